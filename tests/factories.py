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
            Criterion.objects.create(element=element, number=f"{e}.{c}", position=c,
                                     text=f"KUK {e}.{c} dari {unit.code} dilakukan sesuai SOP.")
    return unit


def make_scheme_version(*, units: int = 2, elements: int = 2, criteria: int = 2,
                        publish: bool = True, **kwargs) -> SchemeVersion:
    """A scheme version with one group of ``units`` units; published unless publish=False."""
    from schemes.services import scheme_version_publish

    version = SchemeVersionFactory(**kwargs)
    group = UnitGroup.objects.create(version=version, position=1, title="Kelompok Pekerjaan 1")
    for position in range(1, units + 1):
        SchemeUnit.objects.create(group=group, position=position,
                                  unit=make_unit(elements=elements, criteria=criteria))
    if publish:
        version = scheme_version_publish(version_id=version.pk, actor=None)
    return version


class AssessorProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AssessorProfile

    user = factory.SubFactory(AssessorUserFactory)
    met_number = factory.Sequence(lambda n: f"MET.000.{n:06d}.2020")
    licence_valid_until = factory.LazyFunction(
        lambda: timezone.localdate() + datetime.timedelta(days=365))


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
        S.DRAFT: [], S.SUBMITTED: ["submit"], S.RETURNED: ["submit", "return"],
        S.ACCEPTED: ["submit", "accept"], S.REJECTED: ["submit", "reject"],
        S.SCHEDULED: ["submit", "accept", "schedule"],
        S.CLEARED: ["submit", "accept", "schedule", "clear"],
        S.PREPARED: ["submit", "accept", "schedule", "clear", "prepare"],
        S.IN_PROGRESS: ["submit", "accept", "schedule", "clear", "prepare", "start"],
        S.RECOMMENDED: ["submit", "accept", "schedule", "clear", "prepare", "start", "recommend"],
        S.REPORTED: ["submit", "accept", "schedule", "clear", "prepare", "start", "recommend",
                     "report"],
        S.DECIDED: ["submit", "accept", "schedule", "clear", "prepare", "start", "recommend",
                    "report", "decide"],
        S.REOPENED: ["submit", "accept", "schedule", "clear", "prepare", "start", "recommend",
                     "report", "reopen"],
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
            services.assessment_return(assessment_id=pk, actor=admin, note="Lengkapi KTP",
                                       sections=["apl01"])
        elif step == "accept":
            services.assessment_accept(assessment_id=pk, actor=admin)
        elif step == "reject":
            services.assessment_reject(assessment_id=pk, actor=admin, note="Tidak memenuhi")
        elif step == "schedule":
            event = AssessmentEventFactory(scheme_version=assessment.scheme_version)
            EventAssessor.objects.create(event=event, assessor=assessor, assigned_by=admin)
            services.assessment_schedule(assessment_id=pk, actor=admin, event=event,
                                         assessor=assessor)
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
