import dataclasses
import datetime
import hashlib
import io
import itertools
import re
from collections import Counter

import pytest
from django.apps import apps
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from PIL import Image

from assessments import selectors, services
from assessments.models import (
    TUK,
    ApplicationDocument,
    Assessment,
    AssessmentEvent,
    AssessorProfile,
    BankQuestion,
    CandidateProfile,
    DocumentKind,
    Evidence,
    EvidenceReview,
    ImpartialityDeclaration,
    Notification,
    Observation,
    QuestionRecord,
    UnitDecision,
)
from certification.management.commands import seed_demo
from certification.management.commands.seed_demo import CANDIDATES, DEMO_PASSWORD, PATHS
from certification.models import LSP, Certificate, CertificationDecision, User
from certification.selectors import verification_url
from schemes.models import Criterion, Element, SchemeVersion
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


@pytest.fixture(autouse=True)
def _debug_on(settings):
    # pytest-django runs with DEBUG off, under which the command refuses to seed.
    settings.DEBUG = True


@pytest.fixture
def seeded():
    return seed()


def row_counts() -> dict[str, int]:
    """Rows of every table Django knows, historical and many-to-many tables included."""
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models(include_auto_created=True)
    }


def test_it_creates_the_lsp_record(seeded):
    lsp = LSP.objects.get()
    assert lsp.name == "LSP Teknologi Digital Nusantara"
    assert re.fullmatch(r"BNSP-LSP-\d{4}-ID", lsp.licence_number)
    assert "Jakarta" in lsp.address and lsp.phone and lsp.email
    assert lsp.licence_valid_until > timezone.localdate()


def test_it_creates_people_for_every_role(seeded):
    users = User.objects.all()
    assert users.filter(is_candidate=True).count() == len(CANDIDATES) >= 12
    assert users.filter(is_assessor=True).count() == 3
    assert users.filter(is_lsp_admin=True).count() == 1
    assert users.filter(is_decision_maker=True).count() == 1
    assert users.filter(is_lsp_head=True).count() == 1
    assert CandidateProfile.objects.count() == len(CANDIDATES)
    assert AssessorProfile.objects.count() == 3
    assert not users.filter(email_verified_at__isnull=True).exists()
    assert all(user.check_password(DEMO_PASSWORD) for user in users)


@pytest.mark.parametrize(
    ("email", "role"),
    [
        ("admin@kompeten.test", "is_lsp_admin"),
        ("asesor@kompeten.test", "is_assessor"),
        ("komite@kompeten.test", "is_decision_maker"),
        ("ketua@kompeten.test", "is_lsp_head"),
        ("asesi@kompeten.test", "is_candidate"),
    ],
)
def test_demo_accounts_hold_their_role(seeded, email, role):
    user = User.objects.get(email=email)
    assert getattr(user, role)
    assert user.check_password(DEMO_PASSWORD)


def test_admin_can_use_the_django_admin(seeded):
    admin = User.objects.get(email="admin@kompeten.test")
    assert admin.is_staff and admin.is_superuser


def test_other_demo_users_use_the_demo_domain(seeded):
    main = {"admin", "asesor", "komite", "ketua", "asesi"}
    for user in User.objects.all():
        local, domain = user.email.split("@")
        assert (local in main and domain == "kompeten.test") or domain == "demo.kompeten.test"


def test_the_demo_candidate_has_an_application_to_work_on(seeded):
    assessment = Assessment.objects.get(candidate__email="asesi@kompeten.test")
    assert assessment.state in {Assessment.State.DRAFT, Assessment.State.SUBMITTED}


def test_candidate_profiles_look_real(seeded):
    niks = set()
    for profile in CandidateProfile.objects.select_related("user"):
        assert re.fullmatch(r"\d{16}", profile.nik)
        day = profile.birth_date.day + (40 if profile.sex == CandidateProfile.Sex.FEMALE else 0)
        assert profile.nik[6:12] == f"{day:02d}{profile.birth_date:%m%y}"
        assert profile.birth_place and profile.address and profile.phone and profile.education
        assert len(profile.user.full_name.split()) >= 2
        niks.add(profile.nik)
    assert len(niks) == len(CANDIDATES)


def test_scheme_is_published_with_documents_and_fee(seeded):
    version = SchemeVersion.objects.get(scheme__number="SKM/DEMO/JWP/2026")
    assert version.status == SchemeVersion.Status.PUBLISHED
    assert {"photo", "ktp", "ijazah", "cv"} <= set(version.required_documents)
    assert version.fee > 0
    assert version.units().count() == 2


def test_assessors_licences_span_expired_expiring_and_valid(seeded):
    today = timezone.localdate()
    profiles = list(AssessorProfile.objects.all())
    days_left = sorted(p.licence_days_left for p in profiles)
    assert days_left[0] < 0
    assert 7 < days_left[1] <= 60
    assert days_left[2] >= 365
    version = SchemeVersion.objects.get()
    for profile in profiles:
        assert re.fullmatch(r"MET\.000\.\d{6}\.\d{4}", profile.met_number)
        assert list(profile.scope.all()) == [version.scheme]
    main = AssessorProfile.objects.get(user__email="asesor@kompeten.test")
    assert main.licence_valid_until >= today + datetime.timedelta(days=365)


def test_tuks_are_verified_in_their_time_zones(seeded):
    jakarta = TUK.objects.get(tuk_type=TUK.Type.SEWAKTU)
    makassar = TUK.objects.get(tuk_type=TUK.Type.TEMPAT_KERJA)
    assert (jakarta.time_zone, jakarta.city) == (TUK.Zone.WIB, "Jakarta Selatan")
    assert (makassar.time_zone, makassar.city) == (TUK.Zone.WITA, "Makassar")
    for tuk in (jakarta, makassar):
        assert tuk.verification_status == TUK.Verification.SESUAI
        assert tuk.verified_on and tuk.verified_by.is_lsp_admin


def test_upcoming_event_runs_next_week_in_jakarta_with_two_valid_assessors(seeded):
    today = timezone.localdate()
    event = AssessmentEvent.objects.get(starts_at__gt=timezone.now())
    assert event.tuk.tuk_type == TUK.Type.SEWAKTU
    assert event.status == AssessmentEvent.Status.OPEN
    assert event.quota == 20
    assert event.local_starts_at.date() == today + datetime.timedelta(days=7)
    assert (event.local_starts_at.time(), event.local_ends_at.time()) == (
        datetime.time(8),
        datetime.time(16),
    )
    assessors = list(event.assessors.select_related("assessor_profile"))
    assert len(assessors) == 2
    assert "asesor@kompeten.test" in {a.email for a in assessors}
    for assessor in assessors:
        assert assessor.assessor_profile.licence_valid_on(event.local_starts_at.date())
    states = set(event.assessments.values_list("state", flat=True))
    assert states == {
        Assessment.State.SCHEDULED,
        Assessment.State.CLEARED,
        Assessment.State.PREPARED,
    }


def test_past_event_holds_the_later_states(seeded):
    event = AssessmentEvent.objects.get(starts_at__lt=timezone.now())
    assert event.status == AssessmentEvent.Status.DONE
    assert event.tuk.time_zone == TUK.Zone.WITA
    assert event.local_starts_at.time() == datetime.time(8)
    states = set(event.assessments.values_list("state", flat=True))
    assert {
        Assessment.State.IN_PROGRESS,
        Assessment.State.RECOMMENDED,
        Assessment.State.REPORTED,
        Assessment.State.DECIDED,
    } <= states
    assert not event.assessors.filter(
        assessor_profile__licence_valid_until__lt=event.local_starts_at.date()
    )


def test_expired_assessor_is_assigned_nowhere(seeded):
    expired = AssessorProfile.objects.get(licence_valid_until__lt=timezone.localdate())
    assert not expired.user.event_assignments.exists()
    assert not Assessment.objects.filter(assessor=expired.user).exists()


def test_assessments_cover_every_state(seeded):
    states = Counter(Assessment.objects.values_list("state", flat=True))
    assert set(states) == set(Assessment.State.values)
    # Certified, not certified, and certified with the certificate suspended.
    assert states[Assessment.State.DECIDED] == 3


def test_every_assessment_reached_its_state_through_the_services(seeded):
    for assessment in Assessment.objects.all():
        history = list(assessment.history.order_by("history_id"))
        assert history[0].history_change_reason == "created"
        assert all(row.history_change_reason for row in history)
        # The states one after the other (rows that change other fields, such as the payment
        # confirmation, repeat the state) are exactly the path of the demo.
        states = [state for state, _rows in itertools.groupby(row.state for row in history)]
        assert states == [Assessment.State.DRAFT, *PATHS[assessment.state]]
        assert states[-1] == assessment.state


def test_decision_maker_never_assessed_the_candidate(seeded):
    for decided in Assessment.objects.filter(state=Assessment.State.DECIDED):
        decision = decided.history.get(state=Assessment.State.DECIDED)
        assert decision.history_user.is_decision_maker
        assert decision.history_user_id != decided.assessor_id
        assert decided.certification_decision.decided_by_id == decision.history_user_id


# --- the application, the assessor's record, the decision and the certificate -----------------


def applied() -> list[Assessment]:
    return list(
        Assessment.objects.exclude(state=Assessment.State.DRAFT).select_related("scheme_version")
    )


def test_every_submitted_application_is_complete(seeded):
    assessments = applied()
    assert len(assessments) == len(CANDIDATES) - 1
    elements = Element.objects.filter(
        unit__scheme_units__group__version=assessments[0].scheme_version
    ).count()
    for assessment in assessments:
        assert services.application_problems(assessment) == []
        kinds = set(
            assessment.documents.filter(replaced_at__isnull=True).values_list("kind", flat=True)
        )
        assert set(services.required_document_kinds(assessment)) == kinds
        assert DocumentKind.PAYMENT in kinds
        answers = assessment.self_assessments.all()
        assert answers.count() == elements
        assert all(answer.evidence.exists() for answer in answers)


def test_accepted_applications_were_checked_and_paid(seeded):
    before_acceptance = {
        Assessment.State.SUBMITTED,
        Assessment.State.RETURNED,
        Assessment.State.REJECTED,
        Assessment.State.DRAFT,
    }
    accepted = Assessment.objects.exclude(state__in=before_acceptance)
    assert accepted.count() >= 12
    for assessment in accepted:
        assert assessment.payment_confirmed_by.is_lsp_admin
        documents = assessment.documents.exclude(kind=DocumentKind.PAYMENT)
        assert all(d.present and d.meets and d.checked_by.is_lsp_admin for d in documents)
    returned = Assessment.objects.get(state=Assessment.State.RETURNED)
    failing = returned.documents.filter(meets=False)
    assert list(failing.values_list("kind", flat=True)) == [DocumentKind.KTP]
    assert returned.returned_sections == ["documents"]


def test_documents_and_evidence_are_real_files_in_storage(seeded):
    stored = [*ApplicationDocument.objects.all(), *Evidence.objects.all()]
    assert Evidence.objects.count() >= 2 * (len(CANDIDATES) - 1)
    for item in stored:
        assert default_storage.exists(item.file.name)
        with item.file.open("rb") as handle:
            data = handle.read()
        assert len(data) == item.size
        assert hashlib.sha256(data).hexdigest() == item.sha256
        if item.content_type == "application/pdf":
            assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
        else:
            assert item.content_type == "image/png"
            assert Image.open(io.BytesIO(data)).size == (150, 200)
    assert {item.content_type for item in stored} == {"application/pdf", "image/png"}


def test_demo_assessor_declared_for_the_past_event_and_the_candidates_worked_on(seeded):
    assessor = User.objects.get(email="asesor@kompeten.test")
    past = AssessmentEvent.objects.get(starts_at__lt=timezone.now())
    upcoming = AssessmentEvent.objects.get(starts_at__gt=timezone.now())
    declared = set(
        ImpartialityDeclaration.objects.filter(assessor=assessor).values_list(
            "assessment__candidate__email", "relationship"
        )
    )
    mine_past = set(
        past.assessments.filter(assessor=assessor).values_list("candidate__email", flat=True)
    )
    assert mine_past and {email for email, _r in declared} >= mine_past
    assert {relationship for _email, relationship in declared} == {"none"}
    # The upcoming event: those the assessor already worked on are declared, the candidate
    # placed afterwards still waits for the declaration (the first step on the event page).
    candidates = selectors.event_candidates(assessor, upcoming)
    assert {a.state for a in candidates["visible"]} == {
        Assessment.State.CLEARED,
        Assessment.State.PREPARED,
    }
    assert [a.state for a in candidates["undeclared"]] == [Assessment.State.SCHEDULED]


def test_prepared_candidates_have_a_complete_preparation(seeded):
    prepared_or_later = Assessment.objects.filter(
        state__in=[
            Assessment.State.PREPARED,
            Assessment.State.IN_PROGRESS,
            Assessment.State.RECOMMENDED,
            Assessment.State.REPORTED,
            Assessment.State.DECIDED,
            Assessment.State.REOPENED,
        ]
    )
    assert prepared_or_later.count() == 8
    for assessment in prepared_or_later:
        assert services.preparation_problems(assessment) == []
        assert assessment.preparation.apl02_proceed is True
        assert assessment.preparation.plan_done_at is not None


def test_assessed_candidates_have_every_kuk_observed_and_one_tidak(seeded):
    criteria = Criterion.objects.filter(
        element__unit__scheme_units__group__version=SchemeVersion.objects.get()
    ).count()
    assessed = Assessment.objects.exclude(
        state__in=[
            *Assessment.BEFORE_REPORTED[:7],  # up to prepared
            Assessment.State.REJECTED,
            Assessment.State.WITHDRAWN,
            Assessment.State.ABSENT,
        ]
    )
    assert assessed.count() == 7
    for assessment in assessed:
        assert Observation.objects.filter(assessment=assessment).count() == criteria
    tidak = Observation.objects.filter(achieved=False)
    assert tidak.count() == 1 and tidak.get().note
    assert tidak.get().assessment.candidate.email == "sri.wahyuni@demo.kompeten.test"
    assert QuestionRecord.objects.filter(bank_question__isnull=False).count() == 7


def test_recommended_candidates_have_units_decided_with_feedback(seeded):
    for assessment in Assessment.objects.filter(
        state__in=[
            Assessment.State.RECOMMENDED,
            Assessment.State.REPORTED,
            Assessment.State.DECIDED,
            Assessment.State.REOPENED,
        ]
    ):
        assert services.recommendation_problems(assessment) == []
        assert EvidenceReview.objects.filter(evidence__assessment=assessment).count() == 2
    bk = UnitDecision.objects.get(outcome=UnitDecision.Outcome.BK)
    assert bk.reason and bk.follow_up
    assert bk.assessment.candidate.email == "sri.wahyuni@demo.kompeten.test"


def test_pleno_decided_certified_and_not_certified(seeded):
    outcomes = Counter(CertificationDecision.objects.values_list("outcome", flat=True))
    assert outcomes == {"certified": 2, "not_certified": 1}
    not_certified = CertificationDecision.objects.get(outcome="not_certified")
    assert not Certificate.objects.filter(decision=not_certified).exists()
    assert Certificate.objects.count() == 2


def test_the_question_bank_has_questions_for_each_instrument(seeded):
    instruments = set(BankQuestion.objects.values_list("instrument", flat=True))
    assert instruments == {"ia03", "ia07", "ia09"}
    assert BankQuestion.objects.filter(scheme=SchemeVersion.objects.get().scheme).count() >= 5


def verification_page(client, certificate):
    response = client.get(reverse("certificate_verify", args=[certificate.token]))
    assert response.status_code == 200
    language = response.headers.get("Content-Language", "en")
    return response.content.decode(), language


def test_the_certified_candidates_certificate_verifies_publicly(seeded, client):
    certificate = Certificate.objects.get(state=Certificate.State.ACTIVE)
    assert certificate.holder.email == "ahmad.rahim@demo.kompeten.test"
    page, language = verification_page(client, certificate)
    assert "Ahmad Fauzi Rahim" in page and certificate.number in page
    with translation.override(language):
        assert gettext("This certificate is valid") in page


def test_the_suspended_certificate_shows_suspended(seeded, client):
    certificate = Certificate.objects.get(state=Certificate.State.SUSPENDED)
    change = certificate.status_changes.get(to_state=Certificate.State.SUSPENDED)
    assert change.reason and change.decided_by.is_decision_maker
    page, language = verification_page(client, certificate)
    assert certificate.holder_name in page
    with translation.override(language):
        assert gettext("This certificate is suspended") in page


def test_summary_prints_the_public_verification_urls(seeded):
    for certificate in Certificate.objects.all():
        url = verification_url(certificate.token)
        assert f"{certificate.holder_name} " in seeded and url in seeded


def test_services_left_notifications_for_candidates(seeded):
    assert Notification.objects.filter(recipient__is_candidate=True).exists()


def test_it_prints_a_summary_of_what_it_created(seeded):
    assert "LSP Teknologi Digital Nusantara" in seeded
    assert re.search(rf"assessments\s+{len(CANDIDATES)} created\s+0 found", seeded)
    assert "admin@kompeten.test" in seeded and DEMO_PASSWORD in seeded


def stored_files() -> set[str]:
    return {
        item.file.name for item in [*ApplicationDocument.objects.all(), *Evidence.objects.all()]
    }


def test_second_run_changes_nothing(seeded):
    before = row_counts()
    assert before["assessments.HistoricalAssessment"] > len(CANDIDATES)
    assessments = dict(Assessment.objects.values_list("pk", "state"))
    files = stored_files()
    output = seed()
    assert row_counts() == before
    assert stored_files() == files
    assert "Public verification" in output
    assert dict(Assessment.objects.values_list("pk", "state")) == assessments
    assert re.search(rf"assessments\s+0 created\s+{len(CANDIDATES)} found", output)
    assert Notification.objects.count() == before["assessments.Notification"]


def test_if_empty_seeds_an_empty_database():
    seed("--if-empty")
    assert Assessment.objects.count() == len(CANDIDATES)


def test_if_empty_does_nothing_once_a_user_exists():
    UserFactory()
    before = row_counts()
    output = seed("--if-empty")
    assert "nothing seeded" in output
    assert row_counts() == before


def test_it_refuses_to_seed_with_debug_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off"):
        seed()
    assert not User.objects.exists()


def test_it_seeds_a_demo_server_when_told_to(settings):
    settings.DEBUG = False
    seed("--allow-without-debug")
    assert User.objects.filter(email="admin@kompeten.test").exists()


def test_it_never_assigns_an_assessor_whose_licence_lapses_before_the_event(monkeypatch):
    upcoming = dataclasses.replace(seed_demo.EVENTS[1], assessors=("expired",))
    monkeypatch.setattr(seed_demo, "EVENTS", [upcoming])
    with pytest.raises(CommandError, match="no valid licence"):
        seed()
    # One transaction: a failed seed leaves nothing half-made behind.
    assert not User.objects.exists()
