from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificationConfig(AppConfig):
    name = "certification"
    verbose_name = _("Certification")

    def ready(self) -> None:
        # certification hooks into assessments, never the other way round (apps import downwards):
        # - the certificate, SK and FR.AK.04 PDFs register with the document registry when it
        #   first loads its documents (certification.documents);
        # - the candidate's pages read the decision through assessments.results;
        # - importing certification.sessions connects its sign-in receiver.
        from assessments import results
        from assessments.pdf import registry
        from certification import sessions  # noqa: F401
        from certification.selectors import certification_outcome

        if "certification.documents" not in registry.BUILTIN_MODULES:
            registry.BUILTIN_MODULES.append("certification.documents")
        results.register_outcome_reader(certification_outcome)
