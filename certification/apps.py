from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificationConfig(AppConfig):
    name = "certification"
    verbose_name = _("Certification")

    def ready(self) -> None:
        # The certificate, SK and FR.AK.04 PDFs register with assessments' document registry
        # when it first loads its documents (certification.documents): never an upward import.
        from assessments.pdf import registry

        # Connects the sign-in receiver that stamps the session's first refresh.
        from certification import sessions  # noqa: F401

        if "certification.documents" not in registry.BUILTIN_MODULES:
            registry.BUILTIN_MODULES.append("certification.documents")
