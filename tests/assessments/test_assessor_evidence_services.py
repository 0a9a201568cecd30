"""Services of the evidence review step: FR.IA.08 (evidence_review_save with optimistic
versions), FR.IA.10 (third_party_save), requests for more evidence and the coverage per KUK."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from assessments import services
from assessments.models import (
    Assessment,
    EvidenceRequest,
    EvidenceReview,
    Notification,
    ThirdPartyVerification,
)
from schemes.models import Criterion
from tests import factories

S = Assessment.State
pytestmark = pytest.mark.django_db


def _criteria(assessment: Assessment) -> list[Criterion]:
    return list(
        Criterion.objects.filter(
            element__unit__scheme_units__group__version=assessment.scheme_version_id
        ).order_by("element__unit__scheme_units__position", "element__number", "position")
    )


def _review(assessment, evidence, *, vatm=True, criteria=(), version=None, **kwargs):
    return services.evidence_review_save(
        evidence_id=evidence.pk,
        actor=assessment.assessor,
        valid=vatm,
        authentic=vatm,
        current=vatm,
        sufficient=vatm,
        criterion_ids=[c.pk for c in criteria],
        version=version,
        **kwargs,
    )


@pytest.fixture
def prepared(assessor):
    return factories.assessor_assessment(S.PREPARED, assessor=assessor)


# FR.IA.08 ---------------------------------------------------------------------------------------


def test_a_review_records_vatm_and_the_kuk_and_starts_the_assessment(prepared):
    evidence = factories.EvidenceFactory(assessment=prepared)
    kuk = _criteria(prepared)[:2]
    review = _review(prepared, evidence, criteria=kuk, note=" Sesuai SOP ", version=0)
    assert review.meets_vatm and review.version == 1 and review.note == "Sesuai SOP"
    assert set(review.criteria.values_list("pk", flat=True)) == {c.pk for c in kuk}
    assert review.reviewed_by == prepared.assessor
    assert review.history.first().history_change_reason == "IA.08 reviewed"
    prepared.refresh_from_db()
    assert prepared.state == S.IN_PROGRESS


def test_a_review_marks_the_evidence_reviewed_so_the_candidate_can_no_longer_delete_it(prepared):
    evidence = factories.EvidenceFactory(assessment=prepared)
    assert not evidence.is_reviewed
    first = _review(prepared, evidence, version=0)
    evidence.refresh_from_db()
    assert evidence.is_reviewed and evidence.reviewed_at == first.reviewed_at
    # A second review keeps the first review's date: that is when the item became permanent.
    _review(prepared, evidence, vatm=False, version=1)
    evidence.refresh_from_db()
    assert evidence.reviewed_at == first.reviewed_at
    with pytest.raises(ValidationError):
        services.evidence_delete(evidence_id=evidence.pk, actor=prepared.candidate)
    assert type(evidence).objects.filter(pk=evidence.pk).exists()


def test_a_review_from_a_stale_form_is_refused_with_the_saved_review(prepared, other_assessor):
    evidence = factories.EvidenceFactory(assessment=prepared)
    _review(prepared, evidence, vatm=True, version=0, note="tab 1")
    with pytest.raises(services.EditConflict) as caught:
        _review(prepared, evidence, vatm=False, version=0, note="tab 2")
    assert caught.value.current.note == "tab 1" and caught.value.current.version == 1
    review = EvidenceReview.objects.get(evidence=evidence)
    assert review.note == "tab 1" and review.meets_vatm
    # Saving again with the version now shown replaces it deliberately.
    _review(prepared, evidence, vatm=False, version=1, note="tab 2")
    review.refresh_from_db()
    assert review.note == "tab 2" and review.version == 2 and not review.meets_vatm


def test_a_review_refuses_a_kuk_of_another_scheme(prepared):
    evidence = factories.EvidenceFactory(assessment=prepared)
    foreign = factories.CriterionFactory()
    with pytest.raises(ValidationError) as caught:
        _review(prepared, evidence, criteria=[foreign], version=0)
    assert caught.value.code == "criterion"
    assert not EvidenceReview.objects.exists()


def test_a_superseded_item_is_not_reviewed(prepared):
    old = factories.EvidenceFactory(assessment=prepared)
    new = factories.EvidenceFactory(assessment=prepared)
    old.superseded_by = new
    old.save(update_fields=["superseded_by"])
    with pytest.raises(ValidationError) as caught:
        _review(prepared, old, version=0)
    assert caught.value.code == "superseded"


def test_only_the_assigned_assessor_in_scope_reviews(prepared, other_assessor):
    evidence = factories.EvidenceFactory(assessment=prepared)
    with pytest.raises(PermissionDenied):
        services.evidence_review_save(
            evidence_id=evidence.pk,
            actor=other_assessor,
            valid=True,
            authentic=True,
            current=True,
            sufficient=True,
        )
    profile = prepared.assessor.assessor_profile
    profile.scope.clear()
    with pytest.raises(PermissionDenied, match="scope"):
        _review(prepared, evidence, version=0)
    assert not EvidenceReview.objects.exists()


def test_an_expired_licence_on_the_event_date_refuses_the_review(prepared):
    evidence = factories.EvidenceFactory(assessment=prepared)
    profile = prepared.assessor.assessor_profile
    profile.licence_valid_until = timezone.localdate(prepared.event.starts_at) - datetime.timedelta(
        days=1
    )
    profile.save(update_fields=["licence_valid_until"])
    with pytest.raises(PermissionDenied, match="licence"):
        _review(prepared, evidence, version=0)


def test_no_review_before_preparation_is_complete(assessor):
    cleared = factories.assessor_assessment(S.CLEARED, assessor=assessor)
    evidence = factories.EvidenceFactory(assessment=cleared)
    with pytest.raises(ValidationError) as caught:
        _review(cleared, evidence, version=0)
    assert caught.value.code == "wrong_state"


# FR.IA.10 ---------------------------------------------------------------------------------------

IA10 = {
    "supervisor_name": "Hendra Gunawan",
    "workplace": "PT Celebes Data Prima",
    "phone": "0812 1111 2222",
    "relationship": "Atasan langsung",
    "known_for": "3 tahun",
    "comments": "Bekerja rapi.",
}
ALL_YES = dict.fromkeys(services.THIRD_PARTY_QUESTIONS, True)


def test_a_third_party_verification_is_recorded(prepared):
    record = services.third_party_save(
        assessment_id=prepared.pk,
        actor=prepared.assessor,
        data={**IA10, "answers": {**ALL_YES, "teamwork": False}},
    )
    assert record.recorded_by == prepared.assessor and record.assessment == prepared
    assert record.answers["teamwork"] is False and record.answers["safe"] is True
    prepared.refresh_from_db()
    assert prepared.state == S.IN_PROGRESS


def test_a_third_party_form_cannot_set_who_recorded_it(prepared, other_assessor):
    other = factories.assessment_in_state(S.DRAFT)
    record = services.third_party_save(
        assessment_id=prepared.pk,
        actor=prepared.assessor,
        data={**IA10, "answers": ALL_YES, "recorded_by": other_assessor, "assessment": other},
    )
    assert record.recorded_by == prepared.assessor and record.assessment == prepared


@pytest.mark.parametrize(
    "answers",
    [
        {},
        {**ALL_YES, "safe": "T"},  # a raw POST string would read as Y
        dict.fromkeys(list(services.THIRD_PARTY_QUESTIONS)[:-1], True),
    ],
)
def test_every_third_party_question_needs_y_or_t(prepared, answers):
    with pytest.raises(ValidationError) as caught:
        services.third_party_save(
            assessment_id=prepared.pk, actor=prepared.assessor, data={**IA10, "answers": answers}
        )
    assert caught.value.code == "answers"
    assert not ThirdPartyVerification.objects.exists()


def test_a_third_party_verification_needs_the_supervisor(prepared):
    with pytest.raises(ValidationError) as caught:
        services.third_party_save(
            assessment_id=prepared.pk,
            actor=prepared.assessor,
            data={**IA10, "supervisor_name": "  ", "answers": ALL_YES},
        )
    assert "supervisor_name" in caught.value.error_dict


# Requests for more evidence ---------------------------------------------------------------------


def test_an_evidence_request_notifies_the_candidate_in_their_language(prepared):
    prepared.candidate.language = "id"
    prepared.candidate.save(update_fields=["language"])
    due = timezone.localdate() + datetime.timedelta(days=5)
    request = services.evidence_request_create(
        assessment_id=prepared.pk, actor=prepared.assessor, what="Foto instalasi", due_date=due
    )
    assert request.is_open and request.requested_by == prepared.assessor
    note = Notification.objects.filter(recipient=prepared.candidate).latest("created_at", "pk")
    assert "Foto instalasi" in note.body and due.strftime("%d-%m-%Y") in note.body
    assert note.url.endswith(f"/{prepared.pk}/evidence/")


def test_an_evidence_request_is_refused_to_another_assessor(prepared, other_assessor):
    with pytest.raises(PermissionDenied):
        services.evidence_request_create(
            assessment_id=prepared.pk,
            actor=other_assessor,
            what="Foto",
            due_date=timezone.localdate(),
        )
    assert not EvidenceRequest.objects.exists()


# Coverage ---------------------------------------------------------------------------------------


def test_coverage_counts_ya_and_vatm_evidence_but_not_tidak_or_weak_evidence(prepared):
    kuk = _criteria(prepared)  # 2 units x 2 elements x 2 KUK
    unit_id = kuk[0].element.unit_id
    actor = prepared.assessor
    services.observation_save(
        assessment_id=prepared.pk, actor=actor, criterion_id=kuk[0].pk, achieved=True
    )
    services.observation_save(
        assessment_id=prepared.pk, actor=actor, criterion_id=kuk[1].pk, achieved=False
    )
    strong = factories.EvidenceFactory(assessment=prepared)
    weak = factories.EvidenceFactory(assessment=prepared)
    _review(prepared, strong, criteria=[kuk[1], kuk[2]], version=0)
    _review(prepared, weak, vatm=False, criteria=[kuk[3]], version=0)
    prepared.refresh_from_db()
    rows = {c.criterion_id: c for c in services.unit_coverage(prepared)[unit_id]}
    assert rows[kuk[0].pk].covered and rows[kuk[0].pk].observed is True
    # A Tidak is not covered even by VATM evidence: it needs BK or more evidence.
    assert not rows[kuk[1].pk].covered and rows[kuk[1].pk].evidence_ids == [strong.pk]
    assert rows[kuk[2].pk].covered and rows[kuk[2].pk].observed is None
    assert not rows[kuk[3].pk].covered and rows[kuk[3].pk].evidence_ids == []


def test_coverage_takes_a_constant_number_of_queries(prepared, django_assert_num_queries):
    with django_assert_num_queries(3):
        services.unit_coverage(prepared)
