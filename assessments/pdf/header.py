"""The common header of every document: the LSP (handed down by certification through the
KOMPETEN_PDF_HEADER_PROVIDER setting), the form's code and title as this LSP prints them, and the
assessment's scheme, TUK, assessor, candidate and date; plus the signature block.

The provider is a dotted path loaded at render time (assessments never imports certification):
a callable returning ``name``, ``licence_number``, ``address``, ``city``, ``phone``, ``email``,
``website``, ``logo`` (a ``data:`` URL) and ``form_label`` (a callable ``key -> {"code",
"title"}`` or a dict of such dicts).
"""

import logging
from dataclasses import dataclass

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.utils.module_loading import import_string

from assessments.models import Assessment, AssessorProfile, Signature

logger = logging.getLogger(__name__)

LSP_FIELDS = ("name", "licence_number", "address", "city", "phone", "email", "website", "logo")


def lsp_header() -> dict:
    """The LSP part of the header from the configured provider (empty fields without one)."""
    path = getattr(settings, "KOMPETEN_PDF_HEADER_PROVIDER", "")
    data = import_string(path)() if path else {}
    header = {name: data.get(name) or "" for name in LSP_FIELDS}
    header["form_label"] = data.get("form_label")
    return header


def form_label(lsp: dict, key: str, *, code: str, title: str) -> dict[str, str]:
    """The code and title this LSP prints for document ``key`` (defaults: ``code``, ``title``)."""
    provided = lsp.get("form_label")
    label: dict = {}
    try:
        if callable(provided):
            label = provided(key) or {}
        elif isinstance(provided, dict):
            label = provided.get(key) or {}
    except (KeyError, ValueError):
        # The provider knows only the BNSP forms; documents registered later keep their own.
        label = {}
    return {"code": label.get("code") or code, "title": label.get("title") or title}


@dataclass
class SignatureSlot:
    """One place to sign on the form: who should sign and what Kompeten recorded."""

    role: str
    name: str
    detail: str = ""
    signature: Signature | None = None
    recorded_at: object = None
    recorded_label: str = ""

    @property
    def signed(self) -> bool:
        return self.signature is not None


def signatures_for(document: str, subject) -> list[Signature]:
    return list(
        Signature.objects.filter(
            document=document,
            subject_type=ContentType.objects.get_for_model(subject),
            subject_id=subject.pk,
        )
        .select_related("signer")
        .order_by("signed_at")
    )


def signature_slots(
    document: str, subject, expected: list[tuple[str, str, str, object, str]]
) -> list[SignatureSlot]:
    """Slots for the expected signers ``(role key, role label, name, recorded_at, label)``,
    filled with the Signature recorded for that role; signatures of other roles recorded on
    this document are appended so that nothing signed is left off the paper."""
    recorded = signatures_for(document, subject)
    by_role: dict[str, Signature] = {}
    for signature in recorded:
        by_role.setdefault(signature.role, signature)
    slots = []
    for role, label, name, recorded_at, recorded_label in expected:
        signature = by_role.pop(role, None)
        slots.append(
            SignatureSlot(
                role=label,
                name=signature.typed_name if signature else name,
                signature=signature,
                recorded_at=recorded_at,
                recorded_label=recorded_label,
            )
        )
    for signature in by_role.values():
        slots.append(
            SignatureSlot(
                role=str(signature.get_role_display()),
                name=signature.typed_name,
                signature=signature,
            )
        )
    return slots


def assessment_header(assessment: Assessment, date) -> dict:
    """Scheme, TUK, assessor (with MET number), candidate and the document's date."""
    version = assessment.scheme_version
    event = assessment.event
    tuk = event.tuk if event else None
    assessor = assessment.assessor
    met = ""
    if assessor is not None:
        met = (
            AssessorProfile.objects.filter(user_id=assessor.pk)
            .values_list("met_number", flat=True)
            .first()
            or ""
        )
    scheme_type = str(version.get_scheme_type_display())
    if version.kkni_level:
        scheme_type = f"{scheme_type} {version.kkni_level}"
    return {
        "scheme_title": version.title,
        "scheme_number": version.scheme.number,
        "scheme_type": scheme_type,
        "tuk_type": str(tuk.get_tuk_type_display()) if tuk else "",
        "tuk_name": tuk.name if tuk else "",
        "assessor_name": assessor.full_name if assessor else "",
        "assessor_met": met,
        "candidate_name": assessment.candidate.full_name,
        "date": date,
    }


def time_zone_of(assessment: Assessment) -> str:
    """Dates print in the TUK's zone (WIB, WITA, WIT)."""
    if assessment.event_id and assessment.event.tuk_id:
        return assessment.event.tuk.time_zone
    return settings.TIME_ZONE
