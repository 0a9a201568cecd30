"""Reads for the certification pages: each a fixed number of queries whatever the size of the
scheme or the record, and scoped so that a page never loads what its user may not see."""

import re
from dataclasses import dataclass, field

from django.db.models import (
    Count,
    DateTimeField,
    Exists,
    F,
    JSONField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.urls import reverse

from assessments.models import (
    Assessment,
    AssessorFeedback,
    Evidence,
    EvidenceReview,
    ImpartialityDeclaration,
    Instrument,
    Observation,
    PreparationRecord,
    QuestionRecord,
    SelfAssessment,
    ThirdPartyVerification,
    UnitDecision,
    UnitPlan,
)
from assessments.results import CertificationOutcome
from assessments.selectors import current_documents, state_timeline
from assessments.services import AK07_CHARACTERISTICS, THIRD_PARTY_QUESTIONS
from certification import rules
from certification.models import (
    Appeal,
    Certificate,
    CertificateStatusChange,
    CertificationDecision,
    Complaint,
)
from schemes.models import SchemeUnit, Unit

S = Assessment.State


# --- the pleno ---------------------------------------------------------------------------------


def _unit_count() -> Subquery:
    units = (
        SchemeUnit.objects.filter(group__version_id=OuterRef("scheme_version_id"))
        .order_by()
        .values("group__version_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(units), 0)


def decision_queue(user) -> QuerySet[Assessment]:
    """Reported assessments waiting for the pleno, oldest report first, each with its K/BK unit
    counts and whether ``user`` assessed this candidate (they may not decide on them)."""
    assessed = Assessment.objects.filter(candidate_id=OuterRef("candidate_id"), assessor=user)
    declared = ImpartialityDeclaration.objects.filter(
        assessor=user, assessment__candidate_id=OuterRef("candidate_id")
    ).exclude(relationship=ImpartialityDeclaration.Relationship.NONE)
    return (
        Assessment.objects.filter(state=S.REPORTED)
        .select_related("candidate", "scheme_version__scheme", "event__tuk", "assessor")
        .annotate(
            unit_count=_unit_count(),
            k_count=Count("unit_decisions", filter=Q(unit_decisions__outcome="K"), distinct=True),
            bk_count=Count("unit_decisions", filter=Q(unit_decisions__outcome="BK"), distinct=True),
            involved=Exists(assessed) | Exists(declared) | Q(candidate=user),
        )
        .order_by("reported_at", "pk")
    )


def decision_assessment(pk: int, user) -> Assessment:
    """The assessment shown on the decision page (reported or decided), or 404; annotated with
    ``user``'s involvement with the candidate (certification.rules.with_involvement)."""
    qs = Assessment.objects.select_related(
        "candidate__candidate_profile",
        "scheme_version__scheme",
        "event__tuk",
        "assessor__assessor_profile",
        "certification_decision__decided_by",
        "certification_decision__letter",
        # The record's one-to-one parts, read here rather than one query each in decision_record.
        "preparation",
        "consent",
        "candidate_feedback",
    ).prefetch_related(
        # Not joined above: rare (a reassessment), and the join costs every page about as much
        # as this query costs the few that have one (it runs only when there is one).
        "previous__scheme_version__scheme"
    )
    try:
        return rules.with_involvement(qs, user).get(pk=pk, state__in=[S.REPORTED, S.DECIDED])
    except Assessment.DoesNotExist as exc:
        raise Http404 from exc


@dataclass(slots=True)
class KUKRow:
    """One KUK on the decision page, with its observation (FR.IA.01) and the titles of the
    current evidence rated VATM that supports it (FR.IA.08)."""

    number: str
    text: str
    achieved: bool | None  # None: not observed
    note: str
    evidence: list[str] = field(default_factory=list)

    @property
    def covered(self) -> bool:
        return self.achieved is True or (self.achieved is None and bool(self.evidence))


def _structure_rows(assessment: Assessment) -> QuerySet:
    """The scheme version's units, elements and KUK in page order, one row per KUK (or per
    element without KUK, or unit without elements), each with the candidate's APL.02 answer
    for its element and the assessor's observation of the KUK.

    Plain values in one query rather than scheme_structure()'s three queries of model
    instances: the page shows only numbers and texts. The record's rows point at the scheme
    with no reverse relation, hence the correlated subqueries (unique per assessment)."""
    element, criterion = "unit__elements__id", "unit__elements__criteria__id"
    answers = SelfAssessment.objects.filter(assessment=assessment, element_id=OuterRef(element))
    observed = Observation.objects.filter(assessment=assessment, criterion_id=OuterRef(criterion))
    return (
        SchemeUnit.objects.filter(group__version_id=assessment.scheme_version_id)
        .annotate(
            answer=Subquery(answers.values("answer")[:1]),
            achieved=Subquery(observed.values("achieved")[:1]),
            observation_note=Subquery(observed.values("note")[:1]),
        )
        .order_by(
            "group__position",
            "position",
            "unit__elements__number",
            "unit__elements__criteria__position",
            "unit__elements__criteria__number",
        )
        .values_list(
            "pk",
            "unit_id",
            "unit__code",
            "unit__title",
            element,
            "unit__elements__number",
            "unit__elements__title",
            "answer",
            criterion,
            "unit__elements__criteria__number",
            "unit__elements__criteria__text",
            "achieved",
            "observation_note",
        )
    )


def _no_unit_records() -> dict:
    return {"plan": None, "decision": None, "feedback": None}


def _unit_records(assessment: Assessment) -> dict[int, dict]:
    """Per unit, its plan (FR.MAPA.01), K/BK (FR.AK.02) and feedback for the candidate, as
    plain values: one query, the three tables' rows brought to one shape by UNION ALL (kind,
    unit, two lists, two texts, outcome, who, when), as the page shows labels and texts, not
    model instances."""
    empty_list = Value([], output_field=JSONField())
    no_text, no_time = Value(""), Value(None, output_field=DateTimeField())
    columns = ("kind", "unit_id", "list_a", "list_b", "text_a", "text_b", "outcome_", "by", "at")
    plans = (
        UnitPlan.objects.filter(assessment=assessment)
        .annotate(
            kind=Value("plan"),
            list_a=F("evidence_types"),
            list_b=F("instruments"),
            text_a=F("note"),
            text_b=no_text,
            outcome_=no_text,
            by=no_text,
            at=no_time,
        )
        .values_list(*columns)
    )
    decisions = (
        UnitDecision.objects.filter(assessment=assessment)
        .annotate(
            kind=Value("decision"),
            list_a=F("sources"),
            list_b=empty_list,
            text_a=F("reason"),
            text_b=F("follow_up"),
            outcome_=F("outcome"),
            by=F("decided_by__full_name"),
            at=F("decided_at"),
        )
        .values_list(*columns)
    )
    feedback = (
        AssessorFeedback.objects.filter(assessment=assessment)
        .annotate(
            kind=Value("feedback"),
            list_a=empty_list,
            list_b=empty_list,
            text_a=F("strengths"),
            text_b=F("gaps"),
            outcome_=no_text,
            by=no_text,
            at=no_time,
        )
        .values_list(*columns)
    )
    records: dict[int, dict] = {}
    for kind, unit_id, list_a, list_b, text_a, text_b, outcome, by, at in plans.union(
        decisions, feedback, all=True
    ):
        unit = records.setdefault(unit_id, _no_unit_records())
        if kind == "plan":
            unit["plan"] = {
                "note": text_a,
                "labels": _labels(list_a, UnitPlan.EvidenceType),
                "instrument_labels": _labels(list_b, Instrument),
            }
        elif kind == "decision":
            unit["decision"] = {
                "outcome": outcome,
                "outcome_label": _labels([outcome], UnitDecision.Outcome)[0],
                "source_labels": _labels(list_a, UnitDecision.Source),
                "reason": text_a,
                "follow_up": text_b,
                "decided_by": by,
                "decided_at": at,
            }
        else:
            unit["feedback"] = {"strengths": text_a, "gaps": text_b}
    return records


def _evidence_with_kuk(assessment: Assessment) -> list[Evidence]:
    """Every evidence item, oldest first, with its review and the numbers of the KUK the review
    says it supports (``supported_kuk``, ``supported_kuk_ids``): two queries."""
    evidence = list(
        assessment.evidence.select_related("review__reviewed_by").order_by("uploaded_at", "pk")
    )
    links: dict[int, list[tuple[int, str]]] = {}
    # order_by("criterion"): the KUK's own ordering, as review.criteria.all() gives it.
    for review_id, criterion_id, number in (
        EvidenceReview.criteria.through.objects.filter(
            evidencereview__evidence__assessment=assessment
        )
        .order_by("criterion")
        .values_list("evidencereview_id", "criterion_id", "criterion__number")
    ):
        links.setdefault(review_id, []).append((criterion_id, number))
    for item in evidence:
        review = getattr(item, "review", None)
        kuk = links.get(review.pk, []) if review is not None else []
        item.supported_kuk = [number for _, number in kuk]
        item.supported_kuk_ids = [criterion_id for criterion_id, _ in kuk]
    return evidence


def decision_record(assessment: Assessment) -> dict:
    """The whole record for the decision page, read-only: FR.APL.01 documents, FR.APL.02 answers,
    the plan (FR.MAPA.01, AK.07), observations per KUK (FR.IA.01), questions (IA.03/07/09),
    evidence reviews (IA.08), IA.10, K/BK per unit (FR.AK.02) and feedback (assessor's and
    FR.AK.03). Nine queries, the same for a scheme of 2 units or 20."""
    documents = list(current_documents(assessment))
    evidence = _evidence_with_kuk(assessment)
    preparation = getattr(assessment, "preparation", None)
    questions: dict[int, list[QuestionRecord]] = {}
    for question in QuestionRecord.objects.filter(assessment=assessment).order_by(
        "recorded_at", "pk"
    ):
        questions.setdefault(question.unit_id, []).append(question)
    candidate_feedback = getattr(assessment, "candidate_feedback", None)
    consent = getattr(assessment, "consent", None)
    third_party = list(
        ThirdPartyVerification.objects.filter(assessment=assessment).order_by("recorded_at")
    )
    declarations = list(
        ImpartialityDeclaration.objects.filter(assessment=assessment).select_related("assessor")
    )

    # Which current evidence, rated valid, authentic, current and sufficient, supports each KUK.
    supporting: dict[int, list[str]] = {}
    for item in evidence:
        review = getattr(item, "review", None)
        if review is None or not item.is_current or not review.meets_vatm:
            continue
        for criterion_id in item.supported_kuk_ids:
            supporting.setdefault(criterion_id, []).append(item.title)

    units: list[dict] = []
    element = None
    for (
        scheme_unit_id,
        unit_id,
        code,
        title,
        element_id,
        element_number,
        element_title,
        answer,
        criterion_id,
        number,
        text,
        achieved,
        note,
    ) in _structure_rows(assessment):
        if not units or units[-1]["scheme_unit_id"] != scheme_unit_id:
            units.append(
                {
                    "scheme_unit_id": scheme_unit_id,
                    "unit": {"pk": unit_id, "code": code, "title": title},
                    "elements": [],
                    "questions": questions.get(unit_id, []),
                }
            )
            element = None
        if element_id is None:
            continue
        if element is None or element["id"] != element_id:
            element = {
                "id": element_id,
                "number": element_number,
                "title": element_title,
                "answer": answer,
                "kuk": [],
            }
            units[-1]["elements"].append(element)
        if criterion_id is not None:
            element["kuk"].append(
                KUKRow(number, text, achieved, note or "", supporting.get(criterion_id, []))
            )
    records = _unit_records(assessment)
    for row in units:
        row.update(records.get(row["unit"]["pk"]) or _no_unit_records())

    adjustments = (preparation.adjustments or {}) if preparation else {}
    outcomes = [u["decision"]["outcome"] if u["decision"] else None for u in units]
    return {
        "adjustments": [
            {"label": label, **adjustments[key]}
            for key, label in AK07_CHARACTERISTICS.items()
            if adjustments.get(key, {}).get("needed")
        ],
        "third_party_rows": [
            {
                "record": record,
                "answers": [
                    (label, record.answers.get(key)) for key, label in THIRD_PARTY_QUESTIONS.items()
                ],
            }
            for record in third_party
        ],
        "potensi_label": (
            PreparationRecord.Potensi(preparation.potensi).label
            if preparation and preparation.potensi
            else ""
        ),
        "profile": getattr(assessment.candidate, "candidate_profile", None),
        "documents": documents,
        "evidence": evidence,
        "preparation": preparation,
        "consent": consent,
        "declarations": declarations,
        "third_party": third_party,
        "candidate_feedback": candidate_feedback,
        "units": units,
        "recommendation": "K" if outcomes and all(o == "K" for o in outcomes) else "BK",
        "k_count": sum(o == "K" for o in outcomes),
        "bk_count": sum(o == "BK" for o in outcomes),
        "undecided_count": sum(o is None for o in outcomes),
        "timeline": state_timeline(assessment),
    }


def _labels(values, choices) -> list[str]:
    labels = dict(choices.choices)
    return [str(labels.get(v, v)) for v in values or []]


def decision_log() -> QuerySet[CertificationDecision]:
    """Every decision, newest first, with what the log and its export show (one query)."""
    return CertificationDecision.objects.select_related(
        "assessment__candidate",
        "scheme_version__scheme",
        "decided_by",
        "letter",
        "certificate",
    ).order_by("-decided_at", "-pk")


# --- certificates ------------------------------------------------------------------------------


def certificate_list() -> QuerySet[Certificate]:
    return Certificate.objects.select_related("scheme_version__scheme", "holder").order_by(
        "-issued_on", "-sequence"
    )


def certificate_detail(pk: int) -> Certificate:
    """A certificate with its scope and decision, or 404 (the page checks who may see it)."""
    qs = Certificate.objects.select_related(
        "scheme_version__scheme",
        "holder",
        "issued_by",
        "decision__decided_by",
        "decision__letter",
        "decision__assessment",
    ).prefetch_related(
        "units",
        Prefetch(
            "status_changes",
            queryset=CertificateStatusChange.objects.select_related("decided_by", "complaint"),
        ),
    )
    try:
        return qs.get(pk=pk)
    except Certificate.DoesNotExist as exc:
        raise Http404 from exc


def awaiting_certificate() -> QuerySet[CertificationDecision]:
    """Decisions to certify whose certificate is not issued yet, oldest first."""
    return (
        CertificationDecision.objects.filter(
            outcome=CertificationDecision.Outcome.CERTIFIED, certificate__isnull=True
        )
        .select_related("assessment__candidate", "scheme_version__scheme")
        .order_by("decided_at", "pk")
    )


# --- public verification -----------------------------------------------------------------------


@dataclass(frozen=True)
class PublicCertificate:
    """The only facts the public verification pages may show: no account, no NIK, no email, no
    phone, no birth date; the template gets this, never the model."""

    number: str
    holder_name: str
    scheme_number: str
    scheme_title: str
    units: tuple[tuple[str, str], ...]
    issued_on: object
    valid_until: object
    state: str
    state_label: str
    state_changed_at: object
    is_valid: bool
    token: str


def _public(certificate: Certificate) -> PublicCertificate:
    version = certificate.scheme_version
    return PublicCertificate(
        number=certificate.number,
        holder_name=certificate.holder_name,
        scheme_number=version.scheme.number,
        scheme_title=version.title,
        units=tuple((u.code, u.title) for u in certificate.units.all()),
        issued_on=certificate.issued_on,
        valid_until=certificate.valid_until,
        state=certificate.state,
        state_label=str(certificate.get_state_display()),
        state_changed_at=certificate.state_changed_at,
        is_valid=certificate.is_valid,
        token=certificate.token,
    )


def _public_qs() -> QuerySet[Certificate]:
    return Certificate.objects.select_related("scheme_version__scheme").prefetch_related(
        Prefetch("units", queryset=Unit.objects.order_by("code"))
    )


def public_certificate(token: str) -> PublicCertificate:
    """The certificate behind a verification token, or 404."""
    # PostgreSQL refuses a NUL in a query parameter (a 500): no real token holds one.
    valid = bool(token) and "\x00" not in token
    certificate = _public_qs().filter(token=token).first() if valid else None
    if certificate is None:
        raise Http404
    return _public(certificate)


def normalise(text: str) -> str:
    """For matching what people type: case-insensitive, runs of spaces as one."""
    return re.sub(r"\s+", " ", text).strip().casefold()


def public_certificate_search(number: str, name: str) -> PublicCertificate | None:
    """The certificate whose number AND holder's name both match (case-insensitive, spaces
    normalised), or None: a number alone never reveals whose certificate it is."""
    number, name = normalise(number), normalise(name)
    if not number or not name:
        return None
    for certificate in _public_qs().filter(number__iexact=number):
        if normalise(certificate.holder_name) == name:
            return _public(certificate)
    return None


# --- appeals and complaints --------------------------------------------------------------------


def appeal_list(user) -> QuerySet[Appeal]:
    """LSP admins see every appeal; anyone else the appeals they review."""
    qs = Appeal.objects.select_related(
        "assessment__candidate", "assessment__scheme_version__scheme", "reviewer"
    ).order_by("status", "decide_by", "-filed_at")
    return qs if user.is_lsp_admin else qs.filter(reviewer=user)


def appeal_detail(user, pk: int) -> Appeal:
    """An appeal the user may see (LSP admin or its reviewer), else 404."""
    qs = (
        appeal_list(user)
        .select_related(
            "assessment__assessor",
            "assessment__event__tuk",
            "assessment__certification_decision__decided_by",
            "reassessment",
            "assigned_by",
            "filed_by",
        )
        .prefetch_related("units")
    )
    try:
        return qs.get(pk=pk)
    except Appeal.DoesNotExist as exc:
        raise Http404 from exc


def complaint_list(user) -> QuerySet[Complaint]:
    qs = Complaint.objects.select_related("handler", "certificate").order_by(
        "status", "-received_at"
    )
    return qs if user.is_lsp_admin else qs.filter(handler=user)


def complaint_detail(user, pk: int) -> Complaint:
    qs = (
        complaint_list(user)
        .select_related(
            "certificate__scheme_version__scheme",
            "certificate__decision__assessment",
            "filed_by",
            "assigned_by",
            "answered_by",
        )
        .prefetch_related("status_changes__decided_by")
    )
    try:
        return qs.get(pk=pk)
    except Complaint.DoesNotExist as exc:
        raise Http404 from exc


def verification_url(token: str) -> str:
    """The absolute address of a certificate's public page (printed as a QR code)."""
    from django.conf import settings
    from django.urls import reverse

    return settings.KOMPETEN_BASE_URL.rstrip("/") + reverse("certificate_verify", args=[token])


def verification_qr_png(token: str, *, box_size: int = 8) -> bytes:
    """A PNG QR code of the verification address (for the page and the certificate PDF)."""
    import io

    import qrcode
    from qrcode.constants import ERROR_CORRECT_M

    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=box_size, border=2)
    code.add_data(verification_url(token))
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image(fill_color="black", back_color="white").save(buffer, format="PNG")
    return buffer.getvalue()


# --- the candidate's view of the decision ------------------------------------------------------


def certification_outcome(assessment: Assessment) -> CertificationOutcome | None:
    """The decision on ``assessment`` and its certificate, for the candidate's tracker and result
    pages (registered with assessments.results; one query)."""
    decision = (
        CertificationDecision.objects.filter(assessment_id=assessment.pk)
        .select_related("certificate")
        .first()
    )
    if decision is None:
        return None
    certificate = getattr(decision, "certificate", None)
    return CertificationOutcome(
        certified=decision.outcome == CertificationDecision.Outcome.CERTIFIED,
        label=str(decision.get_outcome_display()),
        certificate_number=certificate.number if certificate else "",
        certificate_url=reverse("certificate_detail", args=[certificate.pk]) if certificate else "",
    )
