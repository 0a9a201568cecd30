"""Handling an appeal: a reviewer who was not involved, a deadline, a ruling with reasons, and
an upheld appeal opening a reassessment of the named units."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from assessments.models import Assessment, Notification, UnitDecision
from certification.models import Appeal
from certification.services_appeals import appeal_assign, appeal_decide, appeal_file
from tests import factories

pytestmark = pytest.mark.django_db
S = Assessment.State


@pytest.fixture(autouse=True)
def _settings(settings, client):
    settings.KOMPETEN_APPEAL_WINDOW_DAYS = 14
    settings.KOMPETEN_APPEAL_DECISION_DAYS = 30
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def decision(decision_maker):
    return factories.decided_with_decision(certified=False, decision_maker=decision_maker, units=3)


@pytest.fixture
def appeal(decision):
    assessment = decision.assessment
    return appeal_file(
        assessment_id=assessment.pk,
        actor=assessment.candidate,
        reason="Unit 3 dinilai BK padahal bukti lengkap.",
        process_explained=True,
        discussed_with_assessor=True,
        involved_other_person=False,
    )


@pytest.fixture
def reviewer():
    return factories.AdminUserFactory(full_name="Rina Peninjau")


def _bk_unit_ids(appeal) -> list[int]:
    return list(
        UnitDecision.objects.filter(assessment=appeal.assessment, outcome="BK").values_list(
            "unit_id", flat=True
        )
    )


def _assign(appeal, reviewer, actor=None) -> Appeal:
    return appeal_assign(
        appeal_id=appeal.pk, actor=actor or factories.AdminUserFactory(), reviewer_id=reviewer.pk
    )


# --- assignment ----------------------------------------------------------------------------------


def test_filing_sets_the_deadline_from_the_setting(appeal):
    assert appeal.decide_by == timezone.localdate() + datetime.timedelta(days=30)


def test_an_admin_assigns_an_uninvolved_reviewer(appeal, reviewer, admin_user):
    appeal = _assign(appeal, reviewer, actor=admin_user)

    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.UNDER_REVIEW
    assert (appeal.reviewer, appeal.assigned_by) == (reviewer, admin_user)
    assert appeal.history.first().history_change_reason == "appeal assigned to a reviewer"
    assert Notification.objects.filter(
        recipient=reviewer, url=reverse("appeal_detail", args=[appeal.pk])
    ).exists()


def test_the_assessor_of_the_candidate_cannot_review(appeal):
    assessor = appeal.assessment.assessor
    assessor.is_lsp_admin = True
    assessor.save()

    with pytest.raises(ValidationError) as info:
        _assign(appeal, assessor)

    assert info.value.code == "reviewer_involved"
    assert "assessor of this candidate" in info.value.messages[0]
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.FILED and appeal.reviewer is None


def test_the_decision_maker_cannot_review_the_appeal_against_their_decision(appeal, decision_maker):
    decision_maker.is_lsp_admin = True
    decision_maker.save()

    with pytest.raises(ValidationError, match="took the decision"):
        _assign(appeal, decision_maker)

    appeal.refresh_from_db()
    assert appeal.reviewer is None


def test_whoever_moved_an_older_record_to_decided_counts_as_its_decision_maker(reviewer):
    # Records decided before decisions were recorded: the history names the decider.
    decided = factories.assessment_in_state(S.DECIDED)
    decider = decided.history.filter(state=S.DECIDED).last().history_user
    decider.is_lsp_admin = True
    decider.save()
    appeal = appeal_file(
        assessment_id=decided.pk,
        actor=decided.candidate,
        reason="Tidak adil",
        process_explained=True,
        discussed_with_assessor=False,
        involved_other_person=False,
    )

    with pytest.raises(ValidationError, match="took the decision"):
        _assign(appeal, decider)
    assert _assign(appeal, reviewer).reviewer == reviewer


def test_the_reviewer_is_an_lsp_admin(appeal):
    outsider = factories.DecisionMakerUserFactory()

    with pytest.raises(ValidationError, match="active LSP admin"):
        _assign(appeal, outsider)


def test_only_an_admin_assigns(appeal, reviewer, decision_maker):
    with pytest.raises(PermissionDenied):
        _assign(appeal, reviewer, actor=factories.DecisionMakerUserFactory())


# --- ruling --------------------------------------------------------------------------------------


def test_an_upheld_appeal_opens_a_reassessment_of_the_named_units(appeal, reviewer):
    _assign(appeal, reviewer)
    units = _bk_unit_ids(appeal)

    appeal = appeal_decide(
        appeal_id=appeal.pk,
        actor=reviewer,
        upheld=True,
        ruling="Bukti unit 3 belum ditinjau.",
        unit_ids=units,
    )

    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.UPHELD
    assert appeal.ruling == "Bukti unit 3 belum ditinjau." and appeal.ruled_at
    assert list(appeal.units.values_list("pk", flat=True)) == units
    reassessment = appeal.reassessment
    assert reassessment.previous_id == appeal.assessment_id
    assert reassessment.candidate_id == appeal.assessment.candidate_id
    assert reassessment.state == S.DRAFT
    original = Assessment.objects.get(pk=appeal.assessment_id)
    assert original.state == S.DECIDED  # the decided record stays untouched
    assert appeal.history.first().history_change_reason == "appeal upheld"


def test_a_rejected_appeal_records_the_reasons_and_opens_nothing(appeal, reviewer):
    _assign(appeal, reviewer)
    before = Assessment.objects.count()

    appeal = appeal_decide(
        appeal_id=appeal.pk, actor=reviewer, upheld=False, ruling="Penilaian sudah sesuai."
    )

    assert appeal.status == Appeal.Status.REJECTED
    assert appeal.reassessment is None
    assert Assessment.objects.count() == before
    assert Notification.objects.filter(
        recipient=appeal.assessment.candidate, body="Penilaian sudah sesuai."
    ).exists()


def test_only_the_assigned_reviewer_rules(appeal, reviewer, admin_user):
    _assign(appeal, reviewer)

    with pytest.raises(PermissionDenied):
        appeal_decide(appeal_id=appeal.pk, actor=admin_user, upheld=False, ruling="Tolak")

    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.UNDER_REVIEW


def test_a_ruling_needs_reasons_and_an_upheld_one_needs_units(appeal, reviewer):
    _assign(appeal, reviewer)

    with pytest.raises(ValidationError) as info:
        appeal_decide(appeal_id=appeal.pk, actor=reviewer, upheld=False, ruling=" ")
    assert info.value.code == "ruling"
    with pytest.raises(ValidationError) as info:
        appeal_decide(appeal_id=appeal.pk, actor=reviewer, upheld=True, ruling="Ya", unit_ids=[])
    assert info.value.code == "units"
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.UNDER_REVIEW


def test_units_decided_k_cannot_be_sent_back(appeal, reviewer):
    _assign(appeal, reviewer)
    k_unit = UnitDecision.objects.filter(assessment=appeal.assessment, outcome="K").first()

    with pytest.raises(ValidationError):
        appeal_decide(
            appeal_id=appeal.pk,
            actor=reviewer,
            upheld=True,
            ruling="Ya",
            unit_ids=[k_unit.unit_id],
        )

    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.UNDER_REVIEW and appeal.reassessment is None


def test_a_reviewer_who_became_involved_can_no_longer_rule(appeal, reviewer):
    _assign(appeal, reviewer)
    Assessment.objects.filter(pk=appeal.assessment_id).update(assessor=reviewer)

    with pytest.raises(PermissionDenied, match="assessor of this candidate"):
        appeal_decide(appeal_id=appeal.pk, actor=reviewer, upheld=False, ruling="Tolak")


def test_a_ruled_appeal_cannot_be_reassigned_or_ruled_again(appeal, reviewer):
    _assign(appeal, reviewer)
    appeal_decide(appeal_id=appeal.pk, actor=reviewer, upheld=False, ruling="Tolak")

    with pytest.raises(ValidationError):
        _assign(appeal, factories.AdminUserFactory())
    with pytest.raises(ValidationError):
        appeal_decide(appeal_id=appeal.pk, actor=reviewer, upheld=False, ruling="Lagi")


# --- pages ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["candidate", "assessor", "decision_maker"])
def test_appeal_handling_pages_are_for_lsp_admins(client, request, persona, appeal):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("appeal_list")).status_code == 403
    assert client.get(reverse("appeal_detail", args=[appeal.pk])).status_code == 403
    assert client.post(reverse("appeal_assign", args=[appeal.pk])).status_code == 403


def test_an_admin_assigns_and_the_reviewer_rules_from_the_pages(client, appeal, reviewer):
    admin = factories.AdminUserFactory()
    client.force_login(admin)
    listing = client.get(reverse("appeal_list"))
    assert appeal.assessment.candidate.full_name in listing.content.decode()

    client.post(reverse("appeal_assign", args=[appeal.pk]), {"reviewer": reviewer.pk})
    appeal.refresh_from_db()
    assert appeal.reviewer == reviewer

    client.force_login(reviewer)
    page = client.get(reverse("appeal_detail", args=[appeal.pk]))
    assert page.context["rule_form"] is not None
    client.post(
        reverse("appeal_rule", args=[appeal.pk]),
        {"outcome": "upheld", "ruling": "Dikabulkan", "units": _bk_unit_ids(appeal)},
    )
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.UPHELD and appeal.reassessment_id


def test_assigning_an_involved_reviewer_shows_the_reason(client, appeal, admin_user):
    assessor = appeal.assessment.assessor
    assessor.is_lsp_admin = True
    assessor.save()
    client.force_login(admin_user)

    response = client.post(
        reverse("appeal_assign", args=[appeal.pk]), {"reviewer": assessor.pk}, follow=True
    )

    assert "They have been an assessor of this candidate." in response.content.decode()
    appeal.refresh_from_db()
    assert appeal.reviewer is None
