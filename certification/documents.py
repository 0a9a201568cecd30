"""The certification layer's documents: the certificate, the decision letter (SK) and FR.AK.04
(the appeal), with their subject types.

The registry lives in assessments (assessments.pdf.registry) and never imports this layer:
CertificationConfig.ready() adds this module to the registry's BUILTIN_MODULES, which imports it
on first use. Builders follow assessments/pdf/documents.py: they read with a bounded number of
queries, run under translation.override("id"), and never mark text safe.

The certificate PDF is the certificate as issued: it does not print the live state (suspended,
withdrawn, expired). Its QR code leads to the public verification page, which always shows the
current state (DOMAIN.md 5, docs/pdf.md).
"""

import base64

from django.conf import settings
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from assessments.models import FORM_TITLES, Assessment, Form, Signature
from assessments.pdf import header as common
from assessments.pdf.registry import DocumentSpec, register_document, register_subject
from certification import rules, selectors
from certification.models import Appeal, Certificate, CertificationDecision, DecisionLetter
from schemes.models import Unit

R = Signature.Role


def _form(lsp: dict, key: str) -> dict[str, str]:
    return common.form_label(lsp, key, code=Form(key).label, title=FORM_TITLES[Form(key)])


def _scheme_type(version) -> str:
    label = str(version.get_scheme_type_display())
    return f"{label} {version.kkni_level}" if version.kkni_level else label


def _scheme_units(certificate: Certificate) -> list[Unit]:
    """The certificate's scope in the order of its scheme (one query; a unit listed in two
    groups of the version is printed once)."""
    ordered = certificate.units.filter(
        scheme_units__group__version_id=certificate.scheme_version_id
    ).order_by("scheme_units__group__position", "scheme_units__position", "code")
    return list(dict.fromkeys(ordered))


def qr_data_url(token: str) -> str:
    """The verification QR code as a ``data:`` URL (the PDF fetcher opens nothing else)."""
    png = selectors.verification_qr_png(token, box_size=10)
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


# --- the certificate ------------------------------------------------------------------------------


def build_certificate(certificate: Certificate) -> dict:
    """The certificate as issued: holder, scheme and its units, numbers, dates, the LSP head's
    signature and the QR code of the public verification page."""
    certificate = Certificate.objects.select_related(
        "scheme_version__scheme", "decision__letter__signatory"
    ).get(pk=certificate.pk)
    lsp = common.lsp_header()
    letter = certificate.decision.letter
    # Kompeten records the LSP head's signature on the SK that covers the decision; a signature
    # recorded on the certificate itself (Signature, document "certificate") takes precedence.
    signed = letter is not None and letter.is_signed
    return {
        "lsp": lsp,
        "form": _form(lsp, Form.CERTIFICATE),
        "certificate": certificate,
        "scheme": {
            "title": certificate.scheme_version.title,
            "number": certificate.scheme_version.scheme.number,
            "type": _scheme_type(certificate.scheme_version),
        },
        "units": _scheme_units(certificate),
        "letter": letter if signed else None,
        "verify_url": selectors.verification_url(certificate.token),
        "qr": qr_data_url(certificate.token),
        "signatures": common.signature_slots(
            Form.CERTIFICATE,
            certificate,
            [
                (
                    R.LSP_HEAD,
                    _("LSP head"),
                    letter.signatory.full_name if signed else "",
                    letter.signed_at if signed else None,
                    _("Signed in Kompeten"),
                )
            ],
        ),
        "time_zone": settings.TIME_ZONE,
    }


def certificate_for(user, pk: int) -> Certificate:
    """A certificate ``user`` may see (its holder, decision makers, LSP admins and the head),
    else 404: the same rule as the certificate page."""
    certificate = Certificate.objects.filter(pk=pk).first()
    if certificate is None or not rules.can(user, "certification.view_certificate", certificate):
        raise Http404
    return certificate


# --- the decision letter (SK) ---------------------------------------------------------------------


def build_sk(letter: DecisionLetter) -> dict:
    """The SK Hasil Uji Kompetensi: its number and date, the decisions it covers (candidate,
    scheme, assessment date, recommendation, decision, certificate) and the LSP head's
    signature."""
    letter = DecisionLetter.objects.select_related("signatory").get(pk=letter.pk)
    decisions = list(
        CertificationDecision.objects.filter(letter=letter)
        .select_related("assessment__candidate", "scheme_version__scheme", "certificate")
        .order_by("assessment__candidate__full_name", "pk")
    )
    lsp = common.lsp_header()
    certified = sum(decision.is_certified for decision in decisions)
    not_certified = len(decisions) - certified
    clauses = []
    if certified:
        clauses.append(
            ngettext(
                "%(count)s candidate listed in the annex is declared competent and receives "
                "the competency certificate;",
                "%(count)s candidates listed in the annex are declared competent and receive "
                "the competency certificate;",
                certified,
            )
            % {"count": certified}
        )
    if not_certified:
        clauses.append(
            ngettext(
                "%(count)s candidate listed in the annex is not yet competent and is not "
                "certified;",
                "%(count)s candidates listed in the annex are not yet competent and are not "
                "certified;",
                not_certified,
            )
            % {"count": not_certified}
        )
    clauses.append(_("This decision takes effect on the date it is set."))
    ordinals = [_("First"), _("Second"), _("Third")]
    return {
        "lsp": lsp,
        "form": _form(lsp, Form.SK),
        "letter": letter,
        "decisions": [
            {
                "decision": decision,
                "candidate": decision.assessment.candidate.full_name,
                "certificate": getattr(decision, "certificate", None),
            }
            for decision in decisions
        ],
        "clauses": list(zip(ordinals, clauses, strict=False)),
        "signatures": common.signature_slots(
            Form.SK,
            letter,
            [
                (
                    R.LSP_HEAD,
                    _("LSP head"),
                    letter.signatory.full_name,
                    letter.signed_at,
                    _("Signed in Kompeten"),
                )
            ],
        ),
        "time_zone": settings.TIME_ZONE,
    }


def letter_for(user, pk: int) -> DecisionLetter:
    """A decision letter, for the LSP's staff who see the decision log; 404 for anyone else."""
    if not rules.can(user, "certification.view_decision_log"):
        raise Http404
    letter = DecisionLetter.objects.filter(pk=pk).first()
    if letter is None:
        raise Http404
    return letter


# --- FR.AK.04 Banding Asesmen ---------------------------------------------------------------------


def build_ak04(appeal: Appeal) -> dict:
    """The candidate's appeal: the three Yes/No questions, the reason, the decision appealed
    against and, once ruled, the outcome with its reasons and the units to reassess."""
    appeal = Appeal.objects.select_related(
        "assessment__scheme_version__scheme",
        "assessment__event__tuk",
        "assessment__assessor",
        "assessment__candidate",
        "reviewer",
        "filed_by",
    ).get(pk=appeal.pk)
    assessment: Assessment = appeal.assessment
    decision = CertificationDecision.objects.filter(assessment=assessment).first()
    lsp = common.lsp_header()
    ruled = appeal.status in (Appeal.Status.UPHELD, Appeal.Status.REJECTED)
    return {
        "lsp": lsp,
        "form": _form(lsp, Form.AK04),
        "header": common.assessment_header(assessment, appeal.filed_at),
        "assessment": assessment,
        "appeal": appeal,
        "decision": decision,
        "questions": [
            (_("Was the appeal process explained to you?"), appeal.process_explained),
            (_("Have you discussed the appeal with the assessor?"), appeal.discussed_with_assessor),
            (
                _("Do you want to involve another person to help you in the appeal?"),
                appeal.involved_other_person,
            ),
        ],
        "ruled": ruled,
        "units": list(appeal.units.order_by("code")) if ruled else [],
        "signatures": common.signature_slots(
            Form.AK04,
            appeal,
            [
                (
                    R.CANDIDATE,
                    _("Candidate"),
                    assessment.candidate.full_name,
                    appeal.filed_at,
                    _("Filed in Kompeten"),
                ),
                (
                    R.LSP_ADMIN,
                    _("Appeal reviewer"),
                    appeal.reviewer.full_name if appeal.reviewer else "",
                    appeal.ruled_at if ruled else None,
                    _("Ruled in Kompeten"),
                ),
            ],
        ),
        "time_zone": common.time_zone_of(assessment),
    }


def appeal_for(user, pk: int) -> Appeal:
    """An appeal ``user`` may see (the candidate who filed it, its reviewer, LSP admins),
    else 404."""
    appeal = Appeal.objects.filter(pk=pk).first()
    if appeal is None or not rules.can(user, "certification.view_appeal", appeal):
        raise Http404
    return appeal


# --- registration ---------------------------------------------------------------------------------

register_subject(
    "certificate",
    model="certification.Certificate",
    loader=certificate_for,
    permission="certification.view_certificate",
)
register_subject(
    "decision_letter",
    model="certification.DecisionLetter",
    loader=letter_for,
    permission="certification.view_decision_log",
)
register_subject(
    "appeal",
    model="certification.Appeal",
    loader=appeal_for,
    permission="certification.view_appeal",
)


def _register(key: str, subject: str, builder, template: str) -> None:
    register_document(
        DocumentSpec(
            key=key,
            subject=subject,
            template=template,
            builder=builder,
            code=Form(key).label,
            title=FORM_TITLES[Form(key)],
        )
    )


_register(Form.CERTIFICATE, "certificate", build_certificate, "pdf/certificate.html")
_register(Form.SK, "decision_letter", build_sk, "pdf/sk.html")
_register(Form.AK04, "appeal", build_ak04, "pdf/ak04.html")
