"""factory_boy factories for every model tests build on."""

import datetime

import factory
from django.utils import timezone

from assessments.models import (
    TUK,
    Assessment,
    AssessmentEvent,
    AssessorProfile,
    CandidateProfile,
    EventAssessor,
)
from certification.models import User
from schemes.models import Criterion, Element, Scheme, SchemeUnit, SchemeVersion, Unit, UnitGroup

PASSWORD = "kompeten-test-pass"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    full_name = factory.Faker("name", locale="id_ID")
    email_verified_at = factory.LazyFunction(timezone.now)
    # Tests assert the English msgids; a test about Indonesian output sets language="id".
    language = "en"
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save()


class CandidateUserFactory(UserFactory):
    is_candidate = True


class AssessorUserFactory(UserFactory):
    is_assessor = True


class AdminUserFactory(UserFactory):
    is_lsp_admin = True


class DecisionMakerUserFactory(UserFactory):
    is_decision_maker = True


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    code = factory.Sequence(lambda n: f"J.620100.{n:03d}.02")
    title = factory.Sequence(lambda n: f"Unit kompetensi {n}")
    description = "Unit ini menentukan kompetensi yang diperlukan."


class ElementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Element

    unit = factory.SubFactory(UnitFactory)
    number = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Mengidentifikasi kebutuhan {n}")


class CriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Criterion

    element = factory.SubFactory(ElementFactory)
    number = factory.Sequence(lambda n: f"1.{n + 1}")
    text = factory.Sequence(lambda n: f"Kebutuhan {n} diidentifikasi sesuai prosedur.")


class SchemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Scheme

    number = factory.Sequence(lambda n: f"SKM/TEST/{n:05d}/2026")


class SchemeVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SchemeVersion

    scheme = factory.SubFactory(SchemeFactory)
    version = 1
    title = factory.Sequence(lambda n: f"Skema uji {n}")
    scheme_type = SchemeVersion.Type.KLASTER
    validity_years = 3


def make_unit(*, elements: int = 2, criteria: int = 2, **kwargs) -> Unit:
    """A unit with ``elements`` elements of ``criteria`` KUK each."""
    unit = UnitFactory(**kwargs)
    for e in range(1, elements + 1):
        element = Element.objects.create(unit=unit, number=e, title=f"Elemen {e} dari {unit.code}")
        for c in range(1, criteria + 1):
            Criterion.objects.create(
                element=element,
                number=f"{e}.{c}",
                position=c,
                text=f"KUK {e}.{c} dari {unit.code} dilakukan sesuai SOP.",
            )
    return unit


def make_scheme_version(
    *, units: int = 2, elements: int = 2, criteria: int = 2, publish: bool = True, **kwargs
) -> SchemeVersion:
    """A scheme version with one group of ``units`` units; published unless publish=False."""
    from schemes.services import scheme_version_publish

    version = SchemeVersionFactory(**kwargs)
    group = UnitGroup.objects.create(version=version, position=1, title="Kelompok Pekerjaan 1")
    for position in range(1, units + 1):
        SchemeUnit.objects.create(
            group=group, position=position, unit=make_unit(elements=elements, criteria=criteria)
        )
    if publish:
        version = scheme_version_publish(version_id=version.pk, actor=None)
    return version


class AssessorProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AssessorProfile

    user = factory.SubFactory(AssessorUserFactory)
    met_number = factory.Sequence(lambda n: f"MET.000.{n:06d}.2020")
    licence_valid_until = factory.LazyFunction(
        lambda: timezone.localdate() + datetime.timedelta(days=365)
    )


class CandidateProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CandidateProfile

    user = factory.SubFactory(CandidateUserFactory)
    nik = factory.Sequence(lambda n: f"3171{n:012d}")
    birth_place = "Jakarta"
    birth_date = datetime.date(1998, 5, 17)
    sex = CandidateProfile.Sex.FEMALE
    address = "Jl. Merdeka No. 1, Jakarta Pusat"
    phone = "0812 3456 7890"
    education = CandidateProfile.Education.SMA


class TUKFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TUK

    code = factory.Sequence(lambda n: f"TUK-{n:03d}")
    name = factory.Sequence(lambda n: f"TUK Sewaktu {n}")
    tuk_type = TUK.Type.SEWAKTU
    address = "Jl. Gatot Subroto Kav. 44"
    city = "Jakarta"
    verification_status = TUK.Verification.SESUAI
    verified_on = factory.LazyFunction(timezone.localdate)


class AssessmentEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AssessmentEvent

    code = factory.Sequence(lambda n: f"EV-{n:04d}")
    name = factory.Sequence(lambda n: f"Uji kompetensi gelombang {n}")
    scheme_version = factory.LazyFunction(make_scheme_version)
    tuk = factory.SubFactory(TUKFactory)
    starts_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=7))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + datetime.timedelta(hours=8))
    quota = 20


class EventAssessorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EventAssessor

    event = factory.SubFactory(AssessmentEventFactory)
    assessor = factory.SubFactory(AssessorUserFactory)


class AssessmentFactory(factory.django.DjangoModelFactory):
    """A draft assessment; use ``tests.factories.assessment_in_state`` for later states."""

    class Meta:
        model = Assessment

    candidate = factory.SubFactory(CandidateUserFactory)
    scheme_version = factory.LazyFunction(make_scheme_version)


def assessment_in_state(state: str, **kwargs) -> Assessment:
    """An assessment brought to ``state`` through the real services (so history rows exist)."""
    from assessments import services

    S = Assessment.State
    path = {
        S.DRAFT: [],
        S.SUBMITTED: ["submit"],
        S.RETURNED: ["submit", "return"],
        S.ACCEPTED: ["submit", "accept"],
        S.REJECTED: ["submit", "reject"],
        S.SCHEDULED: ["submit", "accept", "schedule"],
        S.CLEARED: ["submit", "accept", "schedule", "clear"],
        S.PREPARED: ["submit", "accept", "schedule", "clear", "prepare"],
        S.IN_PROGRESS: ["submit", "accept", "schedule", "clear", "prepare", "start"],
        S.RECOMMENDED: ["submit", "accept", "schedule", "clear", "prepare", "start", "recommend"],
        S.REPORTED: [
            "submit",
            "accept",
            "schedule",
            "clear",
            "prepare",
            "start",
            "recommend",
            "report",
        ],
        S.DECIDED: [
            "submit",
            "accept",
            "schedule",
            "clear",
            "prepare",
            "start",
            "recommend",
            "report",
            "decide",
        ],
        S.REOPENED: [
            "submit",
            "accept",
            "schedule",
            "clear",
            "prepare",
            "start",
            "recommend",
            "report",
            "reopen",
        ],
        S.ABSENT: ["submit", "accept", "schedule", "absent"],
        S.WITHDRAWN: ["withdraw"],
    }[state]
    assessment = AssessmentFactory(**kwargs)
    admin = AdminUserFactory()
    assessor = kwargs.get("assessor") or AssessorProfileFactory().user
    candidate = assessment.candidate
    pk = assessment.pk
    for step in path:
        if step == "submit":
            services.assessment_submit(assessment_id=pk, actor=candidate)
        elif step == "return":
            services.assessment_return(
                assessment_id=pk, actor=admin, note="Lengkapi KTP", sections=["apl01"]
            )
        elif step == "accept":
            services.assessment_accept(assessment_id=pk, actor=admin)
        elif step == "reject":
            services.assessment_reject(assessment_id=pk, actor=admin, note="Tidak memenuhi")
        elif step == "schedule":
            event = AssessmentEventFactory(scheme_version=assessment.scheme_version)
            EventAssessor.objects.create(event=event, assessor=assessor, assigned_by=admin)
            # Scheduling needs the scheme in the assessor's scope (admin console, issue 6).
            AssessorProfile.objects.get(user=assessor).scope.add(event.scheme_version.scheme_id)
            services.assessment_schedule(
                assessment_id=pk, actor=admin, event=event, assessor=assessor
            )
        elif step in {"clear", "prepare", "start", "recommend", "report"}:
            getattr(services, f"assessment_{step}")(assessment_id=pk, actor=assessor)
        elif step == "decide":
            services.assessment_decide(assessment_id=pk, actor=DecisionMakerUserFactory())
        elif step == "reopen":
            services.assessment_reopen(assessment_id=pk, actor=admin, reason="Koreksi")
        elif step == "absent":
            services.assessment_mark_absent(assessment_id=pk, actor=admin)
        elif step == "withdraw":
            services.assessment_withdraw(assessment_id=pk, actor=candidate, reason="Sakit")
    assessment.refresh_from_db()
    return assessment


# --- candidate pages (issue 4): application documents, evidence, requests, APL.02 answers ------


class ApplicationDocumentFactory(factory.django.DjangoModelFactory):
    """A document row whose file is not written to storage (for model and list tests)."""

    class Meta:
        model = "assessments.ApplicationDocument"

    assessment = factory.SubFactory(AssessmentFactory)
    kind = "ktp"
    file = factory.Sequence(lambda n: f"assessments/test/{n:06d}/ktp.pdf")
    original_name = "ktp.pdf"
    content_type = "application/pdf"
    size = 1024
    sha256 = factory.Sequence(lambda n: f"{n:064x}")
    uploaded_by = factory.LazyAttribute(lambda o: o.assessment.candidate)


class EvidenceRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "assessments.EvidenceRequest"

    assessment = factory.SubFactory(AssessmentFactory)
    requested_by = factory.SubFactory(AssessorUserFactory)
    what = "Foto hasil kerja instalasi jaringan"
    due_date = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=7))


class EvidenceFactory(factory.django.DjangoModelFactory):
    """An evidence row whose file is not written to storage (for model and list tests)."""

    class Meta:
        model = "assessments.Evidence"

    assessment = factory.SubFactory(AssessmentFactory)
    title = factory.Sequence(lambda n: f"Laporan proyek {n}")
    file = factory.Sequence(lambda n: f"assessments/test/{n:06d}/laporan.pdf")
    original_name = "laporan.pdf"
    content_type = "application/pdf"
    size = 2048
    sha256 = factory.Sequence(lambda n: f"{n:064x}")
    uploaded_by = factory.LazyAttribute(lambda o: o.assessment.candidate)


# --- admin verification (issue 4): a complete application submitted through the services -------

VERIFICATION_PDF = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
)


def pdf_upload(name: str = "dokumen.pdf"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, VERIFICATION_PDF, content_type="application/pdf")


def make_submitted_application(
    *,
    candidate=None,
    scheme_version=None,
    required_documents: tuple[str, ...] = ("photo", "ktp", "ijazah"),
    fee: int = 0,
    units: int = 1,
    elements: int = 2,
    event=None,
) -> Assessment:
    """A submitted FR.APL.01 + APL.02 built the way a candidate does it: profile, application,
    every required document (and the proof of payment when there is a fee), one piece of
    evidence and K for every element, then submit."""
    from assessments import services
    from schemes.models import Element

    candidate = candidate or CandidateProfileFactory().user
    if scheme_version is None:
        scheme_version = make_scheme_version(
            units=units,
            elements=elements,
            criteria=1,
            required_documents=list(required_documents),
            fee=fee,
        )
    assessment = services.application_start(
        candidate=candidate,
        scheme_version=scheme_version,
        purpose=Assessment.Purpose.CERTIFICATION,
        event_id=event.pk if event else None,
    )
    for kind in services.required_document_kinds(assessment):
        services.document_upload(
            assessment_id=assessment.pk,
            actor=candidate,
            kind=kind,
            uploaded=pdf_upload(f"{kind}.pdf"),
        )
    evidence = services.evidence_upload(
        assessment_id=assessment.pk,
        actor=candidate,
        title="Laporan proyek",
        uploaded=pdf_upload("proyek.pdf"),
    )
    for element in Element.objects.filter(unit__scheme_units__group__version=scheme_version.pk):
        services.self_assessment_save(
            assessment_id=assessment.pk,
            actor=candidate,
            element_id=element.pk,
            answer="K",
            evidence_ids=[evidence.pk],
        )
    services.application_submit(assessment_id=assessment.pk, actor=candidate)
    assessment.refresh_from_db()
    return assessment


# --- candidate pages (issue 4): real files and a complete application ---------------------------

PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
MP4_BYTES = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00\x00\x00\x08free"


def png_bytes(size: tuple[int, int] = (20, 20)) -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, "white").save(buffer, "PNG")
    return buffer.getvalue()


def pdf_file(name: str = "dokumen.pdf", data: bytes = PDF_BYTES):
    """An uploaded PDF (SimpleUploadedFile) whose content libmagic accepts."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="application/pdf")


def png_file(name: str = "foto.png"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, png_bytes(), content_type="image/png")


def complete_application(assessment: Assessment) -> Assessment:
    """Bring a draft to "ready to submit" through the services: every required document,
    one piece of evidence, and every element answered K with that evidence linked."""
    from assessments import services

    candidate = assessment.candidate
    for kind in services.required_document_kinds(assessment):
        services.document_upload(
            assessment_id=assessment.pk, actor=candidate, kind=kind, uploaded=pdf_file()
        )
    evidence = services.evidence_upload(
        assessment_id=assessment.pk, actor=candidate, title="Laporan kerja", uploaded=pdf_file()
    )
    for element in Element.objects.filter(
        unit__scheme_units__group__version=assessment.scheme_version_id
    ):
        services.self_assessment_save(
            assessment_id=assessment.pk,
            actor=candidate,
            element_id=element.pk,
            answer="K",
            evidence_ids=[evidence.pk],
        )
    return assessment


# --- assessor preparation (issue 5): an assessor who may act on the candidate ------------------


def assessor_may_act(assessment: Assessment, *, declare: bool = True) -> Assessment:
    """Give the assigned assessor the scheme in scope and, unless ``declare`` is False, a
    "no relationship" impartiality declaration for this candidate: what every assessor duty
    checks first (services.assessor_refusal and the impartiality step)."""
    from assessments.models import ImpartialityDeclaration

    profile = AssessorProfile.objects.get(user_id=assessment.assessor_id)
    profile.scope.add(assessment.scheme_version.scheme_id)
    if declare:
        ImpartialityDeclaration.objects.get_or_create(
            event_id=assessment.event_id,
            assessor_id=assessment.assessor_id,
            assessment=assessment,
            defaults={"relationship": ImpartialityDeclaration.Relationship.NONE},
        )
    return assessment


def assessor_assessment(state: str, *, assessor=None, units: int = 2, **kwargs) -> Assessment:
    """An assessment in ``state`` (scheduled or later) of a ``units``-unit scheme whose
    assessor may act on it (scope and impartiality declared)."""
    if assessor is not None:
        kwargs["assessor"] = assessor
    kwargs.setdefault("scheme_version", make_scheme_version(units=units))
    return assessor_may_act(assessment_in_state(state, **kwargs))


# --- assessor home / event (issue 5): one event with several candidates of one assessor ----------


def event_with_candidates(
    *,
    assessor,
    states: list[str],
    scheme_version=None,
    starts_at=None,
    in_scope: bool = True,
    declare: bool = True,
    institutions: list[str] | None = None,
):
    """An event of ``assessor`` with one candidate per entry of ``states``, each walked there
    through the real services (history rows exist). With ``declare``, the assessor has declared
    "no relationship" with every candidate; with ``in_scope``, the scheme is in their scope.
    Returns (event, assessments) in the order of ``states``."""
    from assessments import services
    from assessments.models import ImpartialityDeclaration

    S = Assessment.State
    after_schedule = {
        S.SCHEDULED: [],
        S.CLEARED: ["clear"],
        S.PREPARED: ["clear", "prepare"],
        S.IN_PROGRESS: ["clear", "prepare", "start"],
        S.RECOMMENDED: ["clear", "prepare", "start", "recommend"],
        S.REPORTED: ["clear", "prepare", "start", "recommend", "report"],
        S.DECIDED: ["clear", "prepare", "start", "recommend", "report", "decide"],
        S.REOPENED: ["clear", "prepare", "start", "recommend", "report", "reopen"],
        S.ABSENT: ["absent"],
    }
    scheme_version = scheme_version or make_scheme_version()
    event_kwargs = {"scheme_version": scheme_version}
    if starts_at is not None:
        event_kwargs["starts_at"] = starts_at
    event = AssessmentEventFactory(**event_kwargs)
    admin = AdminUserFactory()
    EventAssessor.objects.get_or_create(event=event, assessor=assessor, assigned_by=admin)
    # Scheduling needs the scheme in scope and a licence valid on the event date (issue 6):
    # both are granted for the placement and restored afterwards, so that tests can build an
    # event whose assessor has since lost either (the pages must flag it).
    profile = AssessorProfile.objects.get(user=assessor)
    had_scope = profile.scope.filter(pk=scheme_version.scheme_id).exists()
    profile.scope.add(scheme_version.scheme_id)
    licence_valid_until = profile.licence_valid_until
    event_day = timezone.localdate(event.starts_at, event.tuk.tzinfo)
    AssessorProfile.objects.filter(pk=profile.pk).update(
        licence_valid_until=max(licence_valid_until, event_day)
    )
    assessments = []
    for i, state in enumerate(states):
        institution = (institutions or [])[i] if i < len(institutions or []) else ""
        candidate = CandidateProfileFactory(institution=institution).user
        assessment = AssessmentFactory(candidate=candidate, scheme_version=scheme_version)
        pk = assessment.pk
        services.assessment_submit(assessment_id=pk, actor=candidate)
        services.assessment_accept(assessment_id=pk, actor=admin)
        services.assessment_schedule(assessment_id=pk, actor=admin, event=event, assessor=assessor)
        for step in after_schedule[state]:
            if step == "decide":
                services.assessment_decide(assessment_id=pk, actor=DecisionMakerUserFactory())
            elif step == "reopen":
                services.assessment_reopen(assessment_id=pk, actor=admin, reason="Koreksi")
            elif step == "absent":
                services.assessment_mark_absent(assessment_id=pk, actor=admin)
            else:
                getattr(services, f"assessment_{step}")(assessment_id=pk, actor=assessor)
        if declare:  # declared before the event, so also for those absent or decided since
            ImpartialityDeclaration.objects.create(
                event=event,
                assessor=assessor,
                assessment_id=pk,
                relationship=ImpartialityDeclaration.Relationship.NONE,
            )
        assessment.refresh_from_db()
        assessments.append(assessment)
    if not in_scope and not had_scope:
        profile.scope.remove(scheme_version.scheme_id)
    AssessorProfile.objects.filter(pk=profile.pk).update(licence_valid_until=licence_valid_until)
    return event, assessments


# --- PDF documents (issue 7): a complete record from application to report ----------------------


def full_assessment_record(
    *,
    units: int = 2,
    elements: int = 2,
    criteria: int = 2,
    bk_unit: bool = False,
    candidate=None,
    assessor=None,
    report: bool = True,
) -> Assessment:
    """An assessment walked through the real services with every form filled: APL.01 with
    documents checked and accepted, APL.02 answered and reviewed, MAPA.01 planned for every unit
    with AK.07, AK.01 signed by both, IA.01 observed for every KUK, AK.02 decided per unit (the
    last unit BK when ``bk_unit``), feedback, AK.03 from the candidate, and (``report``) the
    record reported."""
    from assessments import services
    from assessments.models import ConsentTerms, UnitDecision, UnitPlan
    from assessments.services.assessor import AK07_CHARACTERISTICS, DOCUMENT_CHECKS, TUK_CHECKS

    scheme_version = make_scheme_version(
        units=units,
        elements=elements,
        criteria=criteria,
        required_documents=["photo", "ktp", "ijazah"],
        kkni_level=None,
    )
    candidate = (
        candidate or CandidateProfileFactory(institution="PT Maju Bersama", position="Staf TI").user
    )
    assessment = make_submitted_application(candidate=candidate, scheme_version=scheme_version)
    pk = assessment.pk
    admin = AdminUserFactory(full_name="Admin Verifikasi")
    services.application_check_documents(
        assessment_id=pk,
        actor=admin,
        checks={d.pk: (True, True) for d in assessment.documents.filter(replaced_at__isnull=True)},
    )
    services.application_accept(assessment_id=pk, actor=admin, note="Persyaratan lengkap.")
    assessor = assessor or AssessorProfileFactory().user
    # Scheduling needs the scheme in the assessor's scope (issue 6).
    AssessorProfile.objects.get(user=assessor).scope.add(scheme_version.scheme_id)
    event = AssessmentEventFactory(scheme_version=scheme_version)
    EventAssessor.objects.create(event=event, assessor=assessor, assigned_by=admin)
    services.assessment_schedule(assessment_id=pk, actor=admin, event=event, assessor=assessor)
    assessment.refresh_from_db()
    assessor_may_act(assessment)
    services.review_apl02(
        assessment_id=pk,
        actor=assessor,
        proceed=True,
        note="Bukti memadai, asesmen dapat dilanjutkan.",
    )
    unit_ids = list(scheme_version.units().values_list("pk", flat=True))
    services.plan_save(
        assessment_id=pk,
        actor=assessor,
        potensi=3,
        context="workplace",
        purpose_note="SKKNI dan SOP perusahaan.",
        unit_plans={
            u: (["L", "TL"], ["ia01", "ia07", "ia08"], "Observasi dan portofolio.")
            for u in unit_ids
        },
        tuk_ready=dict.fromkeys(TUK_CHECKS, True),
        documents_complete=dict.fromkeys(DOCUMENT_CHECKS, True),
        adjustments={
            key: {
                "needed": key == "time",
                "note": "Tambahan waktu 15 menit." if key == "time" else "",
            }
            for key in AK07_CHARACTERISTICS
        },
    )
    ConsentTerms.objects.update_or_create(
        assessment=assessment, defaults={"methods": list(ConsentTerms.DEFAULT_METHODS)}
    )
    services.consent_sign(
        assessment_id=pk, actor=candidate, typed_name=candidate.full_name, agreed=True
    )
    services.consent_sign(
        assessment_id=pk, actor=assessor, typed_name=assessor.full_name, agreed=True
    )
    services.preparation_complete(assessment_id=pk, actor=assessor)
    bk_id = unit_ids[-1] if bk_unit else None
    for criterion in Criterion.objects.filter(
        element__unit__scheme_units__group__version=scheme_version
    ).order_by("element__unit_id", "element__number", "position"):
        failed = criterion.element.unit_id == bk_id and criterion.position == 1
        services.observation_save(
            assessment_id=pk,
            actor=assessor,
            criterion_id=criterion.pk,
            achieved=not failed,
            note="Perlu observasi ulang." if failed else "",
        )
    for unit_id in unit_ids:
        if unit_id == bk_id:
            services.unit_decide(
                assessment_id=pk,
                actor=assessor,
                unit_id=unit_id,
                outcome="BK",
                sources=[UnitDecision.Source.OBSERVATION],
                reason="KUK 1.1 belum tercapai.",
                follow_up="Asesmen ulang elemen 1.",
            )
        else:
            services.unit_decide(
                assessment_id=pk,
                actor=assessor,
                unit_id=unit_id,
                outcome="K",
                sources=[UnitDecision.Source.OBSERVATION, UnitDecision.Source.PORTFOLIO],
            )
        services.feedback_save(
            assessment_id=pk,
            actor=assessor,
            unit_id=unit_id,
            strengths="Teliti dan runtut.",
            gaps="Dokumentasi kerja.",
        )
    services.recommendation_submit(assessment_id=pk, actor=assessor)
    services.feedback_submit(
        assessment_id=pk,
        actor=candidate,
        answers=[True] * 8 + [False],
        comments=["Jelas"] + [""] * 8,
        notes="Terima kasih.",
    )
    if report:
        services.report_submit(assessment_id=pk, actor=assessor)
    assessment.refresh_from_db()
    assert UnitPlan.objects.filter(assessment=assessment).count() == units
    return assessment


# --- assessor evidence review, decision and report (issue 5) ------------------------------------


def linked_evidence(assessment: Assessment, *, elements=(), **kwargs):
    """A current evidence row (no file in storage) that the candidate linked in FR.APL.02 to
    ``elements`` (each answered K)."""
    from assessments.models import SelfAssessment

    evidence = EvidenceFactory(assessment=assessment, **kwargs)
    for element in elements:
        answer, _created = SelfAssessment.objects.get_or_create(
            assessment=assessment, element=element, defaults={"answer": "K"}
        )
        answer.evidence.add(evidence)
    return evidence


def scheme_units(assessment: Assessment) -> list[Unit]:
    """The units of the assessment's scheme version, in order."""
    return [
        su.unit
        for su in SchemeUnit.objects.filter(group__version=assessment.scheme_version_id)
        .select_related("unit")
        .order_by("group__position", "position")
    ]


def decide_all_units(assessment: Assessment, *, bk: tuple[int, ...] = (), feedback: bool = True):
    """Through the services: every KUK observed Ya and every unit decided K, except the unit
    positions in ``bk`` (0-based) decided BK with a reason; with ``feedback``, strengths for
    every unit. The assessment must be in progress."""
    from assessments import services

    actor = assessment.assessor
    for position, unit in enumerate(scheme_units(assessment)):
        if position in bk:
            services.unit_decide(
                assessment_id=assessment.pk,
                actor=actor,
                unit_id=unit.pk,
                outcome="BK",
                sources=["observasi"],
                reason="KUK belum tampak konsisten",
                follow_up=f"Ulangi unit {unit.code}",
            )
        else:
            for criterion in Criterion.objects.filter(element__unit=unit):
                services.observation_save(
                    assessment_id=assessment.pk,
                    actor=actor,
                    criterion_id=criterion.pk,
                    achieved=True,
                )
            services.unit_decide(
                assessment_id=assessment.pk,
                actor=actor,
                unit_id=unit.pk,
                outcome="K",
                sources=["observasi"],
            )
        if feedback:
            services.feedback_save(
                assessment_id=assessment.pk,
                actor=actor,
                unit_id=unit.pk,
                strengths="Anda menunjukkan langkah kerja yang runtut.",
                gaps="Latih dokumentasi kode.",
            )
    assessment.refresh_from_db()
    return assessment


# --- certification (issue 6): reported records with K/BK per unit, decisions, certificates ------


def reported_with_units(
    *, units: int = 2, outcomes: list[str] | None = None, **kwargs
) -> Assessment:
    """A reported assessment of a ``units``-unit scheme whose FR.AK.02 decisions per unit are
    ``outcomes`` (default: all K; None in the list leaves that unit undecided). The unit
    decisions are written directly: the assessor's services are tested in tests/assessments."""
    from assessments.models import UnitDecision

    kwargs.setdefault("scheme_version", make_scheme_version(units=units))
    assessment = assessment_in_state(Assessment.State.REPORTED, **kwargs)
    unit_ids = (
        SchemeUnit.objects.filter(group__version_id=assessment.scheme_version_id)
        .order_by("group__position", "position")
        .values_list("unit_id", flat=True)
    )
    for unit_id, outcome in zip(unit_ids, outcomes or ["K"] * units, strict=False):
        if outcome is None:
            continue
        UnitDecision.objects.create(
            assessment=assessment,
            unit_id=unit_id,
            outcome=outcome,
            sources=["observasi", "portofolio"],
            reason="" if outcome == "K" else "Elemen 2 belum ditunjukkan.",
            follow_up="" if outcome == "K" else "Asesmen ulang elemen 2.",
            decided_by=assessment.assessor,
        )
    return assessment


def full_record(assessment: Assessment) -> Assessment:
    """Fill a reported assessment with one of everything the decision page shows: documents,
    evidence with VATM reviews, APL.02 answers, preparation and plans, an observation per KUK,
    questions and feedback per unit, FR.IA.10 and FR.AK.03. Rows are written directly."""
    from assessments.models import (
        AssessorFeedback,
        CandidateFeedback,
        ConsentTerms,
        EvidenceReview,
        ImpartialityDeclaration,
        Observation,
        PreparationRecord,
        QuestionRecord,
        SelfAssessment,
        ThirdPartyVerification,
        UnitPlan,
    )

    assessor = assessment.assessor
    ApplicationDocumentFactory(assessment=assessment, kind="ktp")
    ApplicationDocumentFactory(assessment=assessment, kind="ijazah", original_name="ijazah.pdf")
    evidence = EvidenceFactory(assessment=assessment)
    review = EvidenceReview.objects.create(
        evidence=evidence,
        valid=True,
        authentic=True,
        current=True,
        sufficient=True,
        reviewed_by=assessor,
        note="Sesuai",
    )
    criteria = list(
        Criterion.objects.filter(
            element__unit__scheme_units__group__version_id=assessment.scheme_version_id
        )
    )
    review.criteria.set(criteria[:2])
    PreparationRecord.objects.create(
        assessment=assessment,
        apl02_proceed=True,
        apl02_reviewed_at=timezone.now(),
        potensi=3,
        context="workplace",
        adjustments={"time": {"needed": True, "note": "Waktu tambahan"}},
    )
    ConsentTerms.objects.create(assessment=assessment, methods=["observasi", "lisan"])
    ImpartialityDeclaration.objects.get_or_create(
        event_id=assessment.event_id,
        assessor=assessor,
        assessment=assessment,
        defaults={"relationship": "none"},
    )
    for element in Element.objects.filter(
        unit__scheme_units__group__version_id=assessment.scheme_version_id
    ):
        answer = SelfAssessment.objects.create(assessment=assessment, element=element, answer="K")
        answer.evidence.add(evidence)
    for criterion in criteria:
        Observation.objects.create(
            assessment=assessment,
            criterion=criterion,
            achieved=True,
            recorded_by=assessor,
            note="Dilakukan sesuai SOP",
        )
    for scheme_unit in SchemeUnit.objects.filter(group__version_id=assessment.scheme_version_id):
        UnitPlan.objects.create(
            assessment=assessment,
            unit_id=scheme_unit.unit_id,
            evidence_types=["L", "TL"],
            instruments=["ia01", "ia07"],
        )
        QuestionRecord.objects.create(
            assessment=assessment,
            unit_id=scheme_unit.unit_id,
            instrument="ia07",
            question="Jelaskan prosedur kerja.",
            answer="Sesuai SOP",
            achieved=True,
            recorded_by=assessor,
        )
        AssessorFeedback.objects.create(
            assessment=assessment,
            unit_id=scheme_unit.unit_id,
            strengths="Teliti",
            gaps="Dokumentasi",
            written_by=assessor,
        )
    ThirdPartyVerification.objects.create(
        assessment=assessment,
        supervisor_name="Pak Budi",
        workplace="PT Maju",
        relationship="Atasan",
        known_for="2 tahun",
        answers={"performs_tasks": True},
        recorded_by=assessor,
    )
    CandidateFeedback.objects.create(assessment=assessment, answers=[True] * 9)
    return assessment


def decided_with_decision(*, certified: bool = True, decision_maker=None, **kwargs):
    """A decided assessment with its CertificationDecision, taken through decision_make."""
    from certification.services_certification import decision_make

    units = kwargs.pop("units", 2)
    outcomes = ["K"] * units if certified else ["K"] * (units - 1) + ["BK"]
    assessment = reported_with_units(units=units, outcomes=outcomes, **kwargs)
    return decision_make(
        assessment_id=assessment.pk,
        actor=decision_maker or DecisionMakerUserFactory(),
        certified=certified,
        basis="Rapat pleno: rekomendasi asesor diterima.",
    )


def issued_certificate(*, admin=None, **kwargs):
    """A certificate issued through certificate_issue from a fresh "certified" decision."""
    from certification.services_certification import certificate_issue

    decision = decided_with_decision(certified=True, **kwargs)
    return certificate_issue(decision_id=decision.pk, actor=admin or AdminUserFactory())


# --- personal data (helper "pdp", issue 8): access log and erasure requests ---------------------


class ErasureRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "assessments.ErasureRequest"

    candidate = factory.LazyFunction(lambda: CandidateProfileFactory().user)
    reason = "Saya tidak lagi memakai layanan ini."


class RecordAccessFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "assessments.RecordAccess"

    accessed_by = factory.SubFactory(AdminUserFactory)
    candidate = factory.LazyFunction(lambda: CandidateProfileFactory().user)
    what = "record"
    path = "/assessments/verification/1/"
    ip_address = "127.0.0.1"
