"""The assessor's preparation services: the FR.APL.02 review, the plan (FR.MAPA.01 with FR.AK.07
and the readiness checklists), the assessor's FR.AK.01 signature and "preparation complete"."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from assessments import services
from assessments.models import (
    Assessment,
    AssessorProfile,
    ImpartialityDeclaration,
    Notification,
    PreparationRecord,
    Signature,
    UnitPlan,
)
from assessments.services import AK07_CHARACTERISTICS, DOCUMENT_CHECKS, TUK_CHECKS
from schemes.models import SchemeUnit
from tests import factories

pytestmark = pytest.mark.django_db
S = Assessment.State
ALL_NO = {key: {"needed": False, "note": ""} for key in AK07_CHARACTERISTICS}


def _codes(info) -> set:
    error = info.value
    if hasattr(error, "error_list"):
        return {e.code for e in error.error_list}
    return {error.code}


def _unit_ids(assessment: Assessment) -> list[int]:
    return list(
        SchemeUnit.objects.filter(group__version=assessment.scheme_version)
        .order_by("position")
        .values_list("unit_id", flat=True)
    )


def _review(assessment, actor=None, *, proceed=True, note=""):
    return services.review_apl02(
        assessment_id=assessment.pk,
        actor=actor or assessment.assessor,
        proceed=proceed,
        note=note,
    )


def _plan(assessment, actor=None, **kwargs):
    defaults = {
        "potensi": PreparationRecord.Potensi.WORKPLACE_TRACEABLE,
        "context": PreparationRecord.Context.WORKPLACE,
        "purpose_note": "Sertifikasi sesuai SKKNI",
        "unit_plans": {
            unit_id: (["L", "TL"], ["ia01", "ia03", "ia08"], "")
            for unit_id in _unit_ids(assessment)
        },
        "tuk_ready": dict.fromkeys(TUK_CHECKS, True),
        "documents_complete": dict.fromkeys(DOCUMENT_CHECKS, True),
        "adjustments": ALL_NO,
    }
    return services.plan_save(
        assessment_id=assessment.pk, actor=actor or assessment.assessor, **{**defaults, **kwargs}
    )


def _sign(assessment, actor):
    return services.consent_sign(
        assessment_id=assessment.pk, actor=actor, typed_name=actor.full_name, agreed=True
    )


def _ready(assessment):
    """A cleared assessment with everything but "complete" done, through the services."""
    _plan(assessment)
    _sign(assessment, assessment.candidate)
    _sign(assessment, assessment.assessor)
    return assessment


@pytest.fixture
def scheduled(assessor):
    return factories.assessor_assessment(S.SCHEDULED, assessor=assessor)


@pytest.fixture
def cleared(scheduled):
    """Cleared the way the assessor does it: FR.APL.02 reviewed "dapat dilanjutkan"."""
    _review(scheduled)
    scheduled.refresh_from_db()
    return scheduled


# --- FR.APL.02 review ---------------------------------------------------------------------------


def test_dapat_dilanjutkan_clears_the_candidate(scheduled):
    _review(scheduled, note=" Bukti memadai ")
    scheduled.refresh_from_db()
    assert scheduled.state == S.CLEARED
    record = PreparationRecord.objects.get(assessment=scheduled)
    assert record.apl02_proceed is True
    assert record.apl02_note == "Bukti memadai"
    assert record.apl02_reviewed_at is not None
    assert record.history.filter(history_change_reason="APL.02 reviewed").exists()
    assert scheduled.history.first().history_user == scheduled.assessor


def test_tidak_dapat_returns_the_application_to_the_candidate_and_the_admin(scheduled):
    admin = factories.AdminUserFactory()
    Notification.objects.all().delete()
    _review(scheduled, proceed=False, note="Bukti unit 2 belum ada")
    scheduled.refresh_from_db()
    assert scheduled.state == S.RETURNED
    assert scheduled.state_note == "Bukti unit 2 belum ada"
    assert scheduled.returned_sections == ["apl02", "evidence"]
    assert PreparationRecord.objects.get(assessment=scheduled).apl02_proceed is False
    to_candidate = Notification.objects.get(recipient=scheduled.candidate)
    assert to_candidate.body == "Bukti unit 2 belum ada"
    to_admin = Notification.objects.get(recipient=admin)
    assert "Bukti unit 2 belum ada" in to_admin.body
    assert to_admin.url == f"/assessments/verification/{scheduled.pk}/"


@pytest.mark.parametrize("note", ["", "   "])
def test_tidak_dapat_needs_a_note(scheduled, note):
    with pytest.raises(ValidationError) as info:
        _review(scheduled, proceed=False, note=note)
    assert _codes(info) == {"note_required"}
    scheduled.refresh_from_db()
    assert scheduled.state == S.SCHEDULED
    assert not PreparationRecord.objects.filter(assessment=scheduled).exists()


def test_the_review_is_refused_once_cleared(cleared):
    with pytest.raises(ValidationError) as info:
        _review(cleared, proceed=False, note="Terlambat")
    assert _codes(info) == {"wrong_state"}
    cleared.refresh_from_db()
    assert cleared.state == S.CLEARED


def test_another_assessor_or_an_admin_cannot_review(scheduled, other_assessor, admin_user):
    for actor in (other_assessor, admin_user, scheduled.candidate):
        with pytest.raises(PermissionDenied):
            _review(scheduled, actor)
    scheduled.refresh_from_db()
    assert scheduled.state == S.SCHEDULED


def test_an_assessor_whose_licence_ends_before_the_event_cannot_review(scheduled):
    event_day = scheduled.event.starts_at.date()
    AssessorProfile.objects.filter(user=scheduled.assessor).update(
        licence_valid_until=event_day - datetime.timedelta(days=1)
    )
    with pytest.raises(PermissionDenied) as info:
        _review(scheduled)
    assert "licence" in str(info.value)
    scheduled.refresh_from_db()
    assert scheduled.state == S.SCHEDULED


def test_an_assessor_without_the_scheme_in_scope_cannot_review(scheduled):
    scheduled.assessor.assessor_profile.scope.clear()
    with pytest.raises(PermissionDenied) as info:
        _review(scheduled)
    assert "scope" in str(info.value)


def test_an_assessor_who_declared_a_conflict_cannot_review(scheduled):
    ImpartialityDeclaration.objects.filter(assessment=scheduled).update(
        relationship=ImpartialityDeclaration.Relationship.FAMILY, note="Sepupu"
    )
    with pytest.raises(PermissionDenied) as info:
        _review(scheduled)
    assert "conflict" in str(info.value)
    scheduled.refresh_from_db()
    assert scheduled.state == S.SCHEDULED


def test_the_review_needs_the_impartiality_declaration_first(assessor):
    assessment = factories.assessor_may_act(
        factories.assessment_in_state(S.SCHEDULED, assessor=assessor), declare=False
    )
    with pytest.raises(ValidationError) as info:
        _review(assessment)
    assert _codes(info) == {"impartiality_missing"}


# --- FR.MAPA.01, FR.AK.07 and the checklists ---------------------------------------------------


def test_the_plan_is_saved_per_unit(cleared):
    first, second = _unit_ids(cleared)
    record = _plan(
        cleared,
        unit_plans={
            first: (["TL", "L"], ["ia08", "ia01"], " Portofolio dulu "),
            second: (["T"], ["ia07"], ""),
        },
    )
    assert record.potensi == 3
    assert record.context == "workplace"
    assert record.purpose_note == "Sertifikasi sesuai SKKNI"
    assert record.tuk_ready == dict.fromkeys(TUK_CHECKS, True)
    assert record.adjustments == ALL_NO
    plan = UnitPlan.objects.get(assessment=cleared, unit_id=first)
    # Stored in the order of the choices, whatever order the form sent.
    assert plan.evidence_types == ["L", "TL"]
    assert plan.instruments == ["ia01", "ia08"]
    assert plan.note == "Portofolio dulu"
    assert UnitPlan.objects.get(assessment=cleared, unit_id=second).instruments == ["ia07"]


def test_saving_the_plan_again_updates_it(cleared):
    unit_id = _unit_ids(cleared)[0]
    _plan(cleared, unit_plans={unit_id: (["L"], ["ia01"], "")})
    _plan(cleared, unit_plans={unit_id: (["TL"], ["ia08"], "ganti")})
    plan = UnitPlan.objects.get(assessment=cleared, unit_id=unit_id)
    assert (plan.evidence_types, plan.instruments, plan.note) == (["TL"], ["ia08"], "ganti")
    assert UnitPlan.objects.filter(assessment=cleared).count() == 1


def test_a_part_saved_alone_keeps_the_others(cleared):
    _plan(cleared)
    services.plan_save(
        assessment_id=cleared.pk,
        actor=cleared.assessor,
        adjustments={**ALL_NO, "time": {"needed": True, "note": " Tambahan 30 menit "}},
    )
    record = PreparationRecord.objects.get(assessment=cleared)
    assert record.potensi == 3
    assert record.tuk_ready == dict.fromkeys(TUK_CHECKS, True)
    assert record.adjustments["time"] == {"needed": True, "note": "Tambahan 30 menit"}
    assert UnitPlan.objects.filter(assessment=cleared).count() == 2


def test_a_unit_of_another_scheme_is_refused(cleared):
    stranger = factories.make_unit()
    with pytest.raises(ValidationError) as info:
        _plan(cleared, unit_plans={stranger.pk: (["L"], ["ia01"], "")})
    assert _codes(info) == {"unit"}
    assert not UnitPlan.objects.exists()
    assert not PreparationRecord.objects.filter(assessment=cleared, potensi=3).exists()


@pytest.mark.parametrize(
    ("types", "instruments"),
    [(["L"], ["ia99"]), (["X"], ["ia01"]), (["L"], ["IA.01"])],
)
def test_an_unknown_instrument_or_evidence_type_is_refused(cleared, types, instruments):
    unit_id = _unit_ids(cleared)[0]
    with pytest.raises(ValidationError) as info:
        _plan(cleared, unit_plans={unit_id: (types, instruments, "")})
    assert _codes(info) == {"plan"}
    assert not UnitPlan.objects.exists()


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"potensi": 6}, "potensi"),
        ({"context": "kantor"}, "context"),
        ({"tuk_ready": {"parkir": True}}, "checklist"),
        ({"documents_complete": {"ktp": True}}, "checklist"),
        ({"adjustments": {"tinggi_badan": {"needed": False, "note": ""}}}, "adjustments"),
        ({"adjustments": {"time": {"needed": "no", "note": ""}}}, "ak07"),
        ({"adjustments": {"time": {"needed": True, "note": " "}}}, "ak07_note"),
    ],
)
def test_bad_plan_values_are_refused(cleared, kwargs, code):
    with pytest.raises(ValidationError) as info:
        _plan(cleared, **kwargs)
    assert _codes(info) == {code}
    assert not PreparationRecord.objects.filter(assessment=cleared, potensi=3).exists()


@pytest.mark.parametrize("state", [S.SCHEDULED, S.PREPARED])
def test_the_plan_is_saved_only_while_cleared(assessor, state):
    assessment = factories.assessor_assessment(state, assessor=assessor)
    with pytest.raises(ValidationError) as info:
        _plan(assessment)
    assert _codes(info) == {"wrong_state"}
    assert not UnitPlan.objects.exists()


def test_another_assessor_cannot_plan(cleared, other_assessor):
    with pytest.raises(PermissionDenied):
        _plan(cleared, other_assessor)
    assert not UnitPlan.objects.exists()


# --- FR.AK.01 by the assessor ----------------------------------------------------------------


def test_the_assessor_cannot_sign_ak01_before_the_candidate(cleared):
    with pytest.raises(ValidationError) as info:
        _sign(cleared, cleared.assessor)
    assert _codes(info) == {"order"}
    _sign(cleared, cleared.candidate)
    assert _sign(cleared, cleared.assessor).role == Signature.Role.ASSESSOR


def test_an_assessor_whose_licence_expired_cannot_sign_ak01(cleared):
    _sign(cleared, cleared.candidate)
    AssessorProfile.objects.filter(user=cleared.assessor).update(
        licence_valid_until=datetime.date(2020, 1, 1)
    )
    with pytest.raises(PermissionDenied):
        _sign(cleared, cleared.assessor)
    assert not Signature.objects.filter(role=Signature.Role.ASSESSOR).exists()


def test_the_assessor_signs_ak01_only_after_declaring_impartiality(assessor):
    assessment = factories.assessor_may_act(
        factories.assessment_in_state(S.SCHEDULED, assessor=assessor), declare=False
    )
    _sign(assessment, assessment.candidate)
    with pytest.raises(ValidationError) as info:
        _sign(assessment, assessor)
    assert _codes(info) == {"impartiality_missing"}


# --- preparation complete --------------------------------------------------------------------


def test_a_complete_preparation_makes_the_candidate_prepared(cleared):
    _ready(cleared)
    assert services.preparation_problems(cleared) == []
    services.preparation_complete(assessment_id=cleared.pk, actor=cleared.assessor)
    cleared.refresh_from_db()
    assert cleared.state == S.PREPARED
    record = PreparationRecord.objects.get(assessment=cleared)
    assert record.plan_done_at is not None
    assert record.history.filter(history_change_reason="preparation complete").exists()


def _drop_background(a):
    PreparationRecord.objects.filter(assessment=a).update(potensi=None)


def _drop_context(a):
    PreparationRecord.objects.filter(assessment=a).update(context="")


def _drop_unit_plan(a):
    UnitPlan.objects.filter(assessment=a, unit_id=_unit_ids(a)[-1]).delete()


def _drop_instruments(a):
    UnitPlan.objects.filter(assessment=a, unit_id=_unit_ids(a)[0]).update(instruments=[])


def _drop_evidence_types(a):
    UnitPlan.objects.filter(assessment=a, unit_id=_unit_ids(a)[0]).update(evidence_types=[])


def _drop_ak07(a):
    PreparationRecord.objects.filter(assessment=a).update(
        adjustments={k: v for k, v in ALL_NO.items() if k != "media"}
    )


def _drop_tuk_check(a):
    PreparationRecord.objects.filter(assessment=a).update(
        tuk_ready={**dict.fromkeys(TUK_CHECKS, True), "safety": False}
    )


def _drop_document_check(a):
    PreparationRecord.objects.filter(assessment=a).update(
        documents_complete={k: True for k in DOCUMENT_CHECKS if k != "surat_tugas"}
    )


def _drop_assessor_signature(a):
    Signature.objects.filter(role=Signature.Role.ASSESSOR).delete()


def _drop_both_signatures(a):
    Signature.objects.all().delete()


@pytest.mark.parametrize(
    ("drop", "problem"),
    [
        (_drop_background, "background"),
        (_drop_context, "background"),
        (_drop_unit_plan, "every unit"),
        (_drop_instruments, "every unit"),
        (_drop_evidence_types, "every unit"),
        (_drop_ak07, "FR.AK.07"),
        (_drop_tuk_check, "TUK"),
        (_drop_document_check, "documents"),
        (_drop_assessor_signature, "Sign FR.AK.01 after the candidate"),
        (_drop_both_signatures, "candidate has not signed"),
    ],
)
def test_each_missing_piece_stops_the_preparation(cleared, drop, problem):
    _ready(cleared)
    drop(cleared)
    problems = services.preparation_problems(cleared)
    assert len(problems) == 1
    assert problem in problems[0]
    with pytest.raises(ValidationError) as info:
        services.preparation_complete(assessment_id=cleared.pk, actor=cleared.assessor)
    assert problems[0] in info.value.messages
    cleared.refresh_from_db()
    assert cleared.state == S.CLEARED


def test_a_fresh_cleared_candidate_lists_every_piece_in_order(cleared):
    keys = [key for key, _label, done in services.preparation_checklist(cleared) if not done]
    # APL.02 is done: the candidate is cleared.
    assert keys == ["background", "plan", "ak07", "tuk", "documents", "ak01"]


def test_ak01_asks_for_the_candidate_first_then_the_assessor(cleared):
    _plan(cleared)
    assert services.preparation_problems(cleared) == ["The candidate has not signed FR.AK.01 yet."]
    _sign(cleared, cleared.candidate)
    assert services.preparation_problems(cleared) == ["Sign FR.AK.01 after the candidate."]
    _sign(cleared, cleared.assessor)
    assert services.preparation_problems(cleared) == []


def test_preparation_complete_is_refused_while_scheduled(scheduled):
    with pytest.raises(ValidationError) as info:
        services.preparation_complete(assessment_id=scheduled.pk, actor=scheduled.assessor)
    assert _codes(info) == {"wrong_state"}


def test_another_assessor_cannot_complete_the_preparation(cleared, other_assessor):
    _ready(cleared)
    with pytest.raises(PermissionDenied):
        services.preparation_complete(assessment_id=cleared.pk, actor=other_assessor)
    cleared.refresh_from_db()
    assert cleared.state == S.CLEARED
