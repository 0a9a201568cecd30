"""The assessor's preparation page (step 1): one page, six sections, each posting to its own URL
and redirecting back to its anchor; htmx gets the section back."""

import datetime
import re

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments import services
from assessments.models import (
    Assessment,
    AssessorProfile,
    ImpartialityDeclaration,
    PreparationRecord,
    SelfAssessment,
    Signature,
    UnitPlan,
)
from assessments.services import AK07_CHARACTERISTICS, DOCUMENT_CHECKS, TUK_CHECKS
from schemes.models import SchemeUnit
from tests import factories

pytestmark = pytest.mark.django_db
S = Assessment.State


def _url(assessment: Assessment, name: str = "assess_prepare") -> str:
    return reverse(f"assessments:{name}", args=[assessment.pk])


def _unit_ids(assessment: Assessment) -> list[int]:
    return list(
        SchemeUnit.objects.filter(group__version=assessment.scheme_version)
        .order_by("position")
        .values_list("unit_id", flat=True)
    )


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _review(assessment: Assessment) -> Assessment:
    services.review_apl02(
        assessment_id=assessment.pk, actor=assessment.assessor, proceed=True, note=""
    )
    assessment.refresh_from_db()
    return assessment


def _sign(assessment: Assessment, actor) -> None:
    services.consent_sign(
        assessment_id=assessment.pk, actor=actor, typed_name=actor.full_name, agreed=True
    )


def _plan_data(assessment: Assessment, **extra) -> dict:
    data = {"potensi": "1", "context": "simulation", "purpose_note": "Sertifikasi"}
    for unit_id in _unit_ids(assessment):
        data[f"types_{unit_id}"] = ["L", "TL"]
        data[f"instruments_{unit_id}"] = ["ia01", "ia03", "ia08"]
        data[f"note_{unit_id}"] = ""
    return {**data, **extra}


def _ak07_data(**extra) -> dict:
    data = {f"needed_{key}": "no" for key in AK07_CHARACTERISTICS}
    data.update({f"note_{key}": "" for key in AK07_CHARACTERISTICS})
    return {**data, **extra}


def _checks_data() -> dict:
    return {
        **{f"tuk_{key}": "on" for key in TUK_CHECKS},
        **{f"doc_{key}": "on" for key in DOCUMENT_CHECKS},
    }


@pytest.fixture(autouse=True)
def _english(client, settings):
    # Assertions read the English text; the pages are Indonesian by default.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def scheduled(assessor):
    return factories.assessor_assessment(S.SCHEDULED, assessor=assessor)


@pytest.fixture
def cleared(scheduled):
    return _review(scheduled)


@pytest.fixture
def ready(cleared):
    """Cleared, planned, adjustments and checklists recorded, AK.01 signed by both."""
    services.plan_save(
        assessment_id=cleared.pk,
        actor=cleared.assessor,
        potensi=3,
        context="workplace",
        purpose_note="",
        unit_plans={u: (["L"], ["ia01"], "") for u in _unit_ids(cleared)},
        tuk_ready=dict.fromkeys(TUK_CHECKS, True),
        documents_complete=dict.fromkeys(DOCUMENT_CHECKS, True),
        adjustments={k: {"needed": False, "note": ""} for k in AK07_CHARACTERISTICS},
    )
    _sign(cleared, cleared.candidate)
    _sign(cleared, cleared.assessor)
    return cleared


# --- access -------------------------------------------------------------------------------------


def test_anonymous_users_are_sent_to_log_in(client, scheduled, settings):
    response = client.get(_url(scheduled))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse(settings.LOGIN_URL))


@pytest.mark.parametrize(
    "name",
    [
        "assess_prepare",
        "assess_prepare_apl02",
        "assess_prepare_plan",
        "assess_prepare_ak07",
        "assess_prepare_checks",
        "assess_prepare_sign",
        "assess_prepare_complete",
    ],
)
def test_another_assessors_candidate_is_not_found(client, scheduled, other_assessor, name):
    factories.EventAssessorFactory(event=scheduled.event, assessor=other_assessor)
    client.force_login(other_assessor)
    method = client.get if name == "assess_prepare" else client.post
    assert method(_url(scheduled, name)).status_code == 404


def test_the_candidate_and_an_admin_do_not_get_the_assessor_page(client, scheduled, admin_user):
    for user in (scheduled.candidate, admin_user):
        client.force_login(user)
        assert client.get(_url(scheduled)).status_code == 404


def test_a_conflicted_pairing_is_not_found(client, scheduled):
    ImpartialityDeclaration.objects.filter(assessment=scheduled).update(
        relationship=ImpartialityDeclaration.Relationship.EMPLOYER, note="Atasan langsung"
    )
    client.force_login(scheduled.assessor)
    assert client.get(_url(scheduled)).status_code == 404


def test_without_an_impartiality_declaration_the_assessor_declares_first(client, assessor):
    assessment = factories.assessor_may_act(
        factories.assessment_in_state(S.SCHEDULED, assessor=assessor), declare=False
    )
    client.force_login(assessor)
    response = client.get(_url(assessment))
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "assessments:event_impartiality", args=[assessment.event_id]
    )
    assert "impartiality" in _messages(response)[0]
    # And no candidate data reached the browser.
    assert assessment.candidate.full_name not in response.content.decode()


def test_a_post_without_the_declaration_changes_nothing(client, assessor):
    assessment = factories.assessor_may_act(
        factories.assessment_in_state(S.SCHEDULED, assessor=assessor), declare=False
    )
    client.force_login(assessor)
    response = client.post(_url(assessment, "assess_prepare_apl02"), {"decision": "proceed"})
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.state == S.SCHEDULED


@pytest.mark.parametrize("name", ["assess_prepare_apl02", "assess_prepare_complete"])
def test_the_section_urls_take_only_post(client, scheduled, name):
    client.force_login(scheduled.assessor)
    assert client.get(_url(scheduled, name)).status_code == 405


def test_an_expired_licence_shows_the_refusal_and_hides_the_forms(client, scheduled):
    AssessorProfile.objects.filter(user=scheduled.assessor).update(
        licence_valid_until=datetime.date(2020, 1, 1)
    )
    client.force_login(scheduled.assessor)
    response = client.get(_url(scheduled))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="refusal"' in html
    assert "Your licence is not valid on the assessment date." in html
    assert _url(scheduled, "assess_prepare_apl02") not in html


# --- the page, state by state ----------------------------------------------------------------


def test_scheduled_shows_the_apl02_review_with_the_evidence(client, scheduled):
    evidence = factories.EvidenceFactory(assessment=scheduled, title="Foto instalasi")
    unit_id = _unit_ids(scheduled)[0]
    element = scheduled.scheme_version.groups.first().scheme_units.first().unit.elements.first()
    answer = SelfAssessment.objects.create(assessment=scheduled, element=element, answer="K")
    answer.evidence.add(evidence)
    document = factories.ApplicationDocumentFactory(assessment=scheduled, kind="ktp")
    client.force_login(scheduled.assessor)
    response = client.get(_url(scheduled))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="apl02-unit-{unit_id}"' in html
    assert element.question in html
    evidence_url = reverse("assessments:evidence_file", args=[evidence.pk])
    assert f'href="{evidence_url}?inline=1"' in html
    assert reverse("assessments:document_file", args=[document.pk]) in html
    assert _url(scheduled, "assess_prepare_apl02") in html
    # The plan opens only once the review says the assessment can proceed.
    assert _url(scheduled, "assess_prepare_plan") not in html
    assert 'id="plan-pending"' in html and 'id="ak07-pending"' in html
    assert 'id="checks-pending"' in html


def test_cleared_shows_the_plan_adjustments_and_checklists(client, cleared):
    client.force_login(cleared.assessor)
    html = client.get(_url(cleared)).content.decode()
    for name in ("assess_prepare_plan", "assess_prepare_ak07", "assess_prepare_checks"):
        assert _url(cleared, name) in html
    assert _url(cleared, "assess_prepare_apl02") not in html
    assert 'id="apl02-outcome"' in html
    # Every instrument can be planned; the ones recorded on paper for now are listed apart.
    for code in ("ia01", "ia03", "ia07", "ia08", "ia09", "ia10", "ia02", "ia05"):
        assert f'value="{code}"' in html
    # AK.01: the candidate has not signed, so the assessor has nothing to sign yet.
    assert _url(cleared, "assess_prepare_sign") not in html
    assert "You can sign once the candidate has signed." in html
    # The completion checklist links each missing piece to its section.
    assert 'href="#plan" data-check="plan"' in html
    assert 'href="#ak01" data-check="ak01"' in html
    assert re.search(r'<button type="submit" class="btn btn-success[^"]*" disabled', html)


def test_the_typical_plan_fills_the_units_not_planned_yet(client, cleared):
    first, second = _unit_ids(cleared)
    UnitPlan.objects.create(
        assessment=cleared, unit_id=first, evidence_types=["T"], instruments=["ia07"]
    )
    client.force_login(cleared.assessor)
    html = client.get(_url(cleared) + "?typical=1").content.decode()

    def checked(field: str) -> set[str]:
        return set(re.findall(rf'name="{field}" value="(\w+)"[^>]*checked', html))

    assert checked(f"types_{second}") == {"L", "TL"}
    assert checked(f"instruments_{second}") == {"ia01", "ia03", "ia08"}
    # A unit already planned keeps its plan.
    assert checked(f"types_{first}") == {"T"}
    assert checked(f"instruments_{first}") == {"ia07"}
    # Nothing is saved until the assessor saves.
    assert not UnitPlan.objects.filter(unit_id=second).exists()


@pytest.mark.parametrize("state", [S.PREPARED, S.IN_PROGRESS, S.REPORTED])
def test_later_states_show_the_preparation_read_only(client, assessor, state):
    assessment = factories.assessor_assessment(state, assessor=assessor)
    client.force_login(assessor)
    response = client.get(_url(assessment))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="prepared-notice"' in html
    assert "<form" not in html.split('id="apl02"')[1]
    assert 'id="plan-readonly"' in html and 'id="ak07-readonly"' in html
    assert 'id="checks-readonly"' in html


def test_the_page_makes_the_same_queries_for_2_and_10_units(client, assessor):
    counts = []
    for units in (2, 10):
        assessment = _review(
            factories.assessor_assessment(S.SCHEDULED, assessor=assessor, units=units)
        )
        evidence = factories.EvidenceFactory(assessment=assessment)
        for element_unit in SchemeUnit.objects.filter(group__version=assessment.scheme_version):
            for element in element_unit.unit.elements.all():
                answer = SelfAssessment.objects.create(
                    assessment=assessment, element=element, answer="K"
                )
                answer.evidence.add(evidence)
        factories.ApplicationDocumentFactory(assessment=assessment)
        for unit_id in _unit_ids(assessment):
            UnitPlan.objects.create(
                assessment=assessment, unit_id=unit_id, evidence_types=["L"], instruments=["ia01"]
            )
        client.force_login(assessor)
        client.get(_url(assessment))  # warm the per-process caches (content types, the LSP)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(_url(assessment)).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_the_page_query_count_is_pinned(client, cleared, django_assert_max_num_queries):
    client.force_login(cleared.assessor)
    with django_assert_max_num_queries(27):
        assert client.get(_url(cleared)).status_code == 200


# --- 1. FR.APL.02 review -------------------------------------------------------------------


def test_dapat_dilanjutkan_clears_and_goes_to_the_plan(client, scheduled):
    client.force_login(scheduled.assessor)
    response = client.post(
        _url(scheduled, "assess_prepare_apl02"), {"decision": "proceed", "note": ""}
    )
    assert response.status_code == 302
    assert response["Location"] == _url(scheduled) + "#plan"
    scheduled.refresh_from_db()
    assert scheduled.state == S.CLEARED
    assert "can proceed" in _messages(response)[0]


def test_tidak_dapat_with_a_note_returns_the_application(client, scheduled):
    client.force_login(scheduled.assessor)
    response = client.post(
        _url(scheduled, "assess_prepare_apl02"),
        {"decision": "return", "note": "Bukti unit 1 tidak relevan"},
    )
    assert response["Location"] == _url(scheduled) + "#apl02"
    scheduled.refresh_from_db()
    assert scheduled.state == S.RETURNED
    assert scheduled.state_note == "Bukti unit 1 tidak relevan"
    # The page stays readable, read-only, with the note.
    html = client.get(_url(scheduled)).content.decode()
    assert "Bukti unit 1 tidak relevan" in html
    assert _url(scheduled, "assess_prepare_apl02") not in html


def test_tidak_dapat_without_a_note_is_shown_again_with_the_error(client, scheduled):
    client.force_login(scheduled.assessor)
    response = client.post(_url(scheduled, "assess_prepare_apl02"), {"decision": "return"})
    assert response.status_code == 200
    assert "Say why the assessment cannot proceed." in response.content.decode()
    scheduled.refresh_from_db()
    assert scheduled.state == S.SCHEDULED


def test_a_review_without_a_decision_is_refused(client, scheduled):
    client.force_login(scheduled.assessor)
    response = client.post(_url(scheduled, "assess_prepare_apl02"), {"note": "?"})
    assert "Choose whether the assessment can proceed." in response.content.decode()
    scheduled.refresh_from_db()
    assert scheduled.state == S.SCHEDULED


def test_a_stale_review_after_clearing_shows_the_services_refusal(client, cleared):
    client.force_login(cleared.assessor)
    response = client.post(
        _url(cleared, "assess_prepare_apl02"), {"decision": "return", "note": "Terlambat"}
    )
    assert response.status_code == 200
    assert "not possible while the assessment is Cleared to proceed" in response.content.decode()
    cleared.refresh_from_db()
    assert cleared.state == S.CLEARED


# --- 2. FR.MAPA.01 -------------------------------------------------------------------------


def test_the_plan_is_saved_and_the_page_returns_to_it(client, cleared):
    client.force_login(cleared.assessor)
    data = _plan_data(cleared)
    first = _unit_ids(cleared)[0]
    data[f"note_{first}"] = "Observasi di lab"
    response = client.post(_url(cleared, "assess_prepare_plan"), data)
    assert response.status_code == 302
    assert response["Location"] == _url(cleared) + "#plan"
    record = PreparationRecord.objects.get(assessment=cleared)
    assert (record.potensi, record.context, record.purpose_note) == (1, "simulation", "Sertifikasi")
    plan = UnitPlan.objects.get(assessment=cleared, unit_id=first)
    assert plan.evidence_types == ["L", "TL"]
    assert plan.instruments == ["ia01", "ia03", "ia08"]
    assert plan.note == "Observasi di lab"
    assert UnitPlan.objects.filter(assessment=cleared).count() == 2


def test_an_htmx_plan_save_returns_the_section_and_the_checklist(client, cleared):
    client.force_login(cleared.assessor)
    response = client.post(
        _url(cleared, "assess_prepare_plan"), _plan_data(cleared), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section class="card shadow-sm mb-4" id="plan"')
    assert "The plan (FR.MAPA.01) is saved." in html
    assert 'id="complete" aria-labelledby="complete-heading" hx-swap-oob="true"' in html
    # The plan item of the checklist is now done (no longer a link to the section).
    assert 'data-check="plan"' not in html and 'data-check="background"' not in html
    assert "<html" not in html


def test_a_plan_without_potensi_is_shown_again_with_what_was_typed(client, cleared):
    client.force_login(cleared.assessor)
    data = _plan_data(cleared, potensi="", purpose_note="Tujuan saya")
    response = client.post(_url(cleared, "assess_prepare_plan"), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Choose the candidate&#x27;s background." in html
    assert "Tujuan saya" in html
    assert not UnitPlan.objects.exists()


def test_an_htmx_plan_error_stays_in_the_section(client, cleared):
    client.force_login(cleared.assessor)
    data = _plan_data(cleared, context="kantor")
    response = client.post(_url(cleared, "assess_prepare_plan"), data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not UnitPlan.objects.exists()


def test_an_unknown_instrument_or_a_foreign_unit_in_the_post_plans_nothing(client, cleared):
    stranger = factories.make_unit()
    client.force_login(cleared.assessor)
    first = _unit_ids(cleared)[0]
    data = _plan_data(cleared)
    data[f"instruments_{first}"] = ["ia01", "ia42"]
    response = client.post(_url(cleared, "assess_prepare_plan"), data)
    assert response.status_code == 200
    assert not UnitPlan.objects.exists()
    # A unit outside the scheme is no field of the form: it is ignored, never planned.
    data = _plan_data(
        cleared, **{f"types_{stranger.pk}": ["L"], f"instruments_{stranger.pk}": ["ia01"]}
    )
    client.post(_url(cleared, "assess_prepare_plan"), data)
    assert not UnitPlan.objects.filter(unit=stranger).exists()
    assert UnitPlan.objects.filter(assessment=cleared).count() == 2


# --- 3. FR.AK.07 and 4. checklists ---------------------------------------------------------


def test_the_adjustments_are_saved(client, cleared):
    client.force_login(cleared.assessor)
    data = _ak07_data(needed_time="yes", note_time="Tambahan waktu 30 menit")
    response = client.post(_url(cleared, "assess_prepare_ak07"), data)
    assert response["Location"] == _url(cleared) + "#ak07"
    adjustments = PreparationRecord.objects.get(assessment=cleared).adjustments
    assert adjustments["time"] == {"needed": True, "note": "Tambahan waktu 30 menit"}
    assert adjustments["language"] == {"needed": False, "note": ""}
    assert set(adjustments) == set(AK07_CHARACTERISTICS)


def test_an_adjustment_marked_needed_needs_a_description(client, cleared):
    client.force_login(cleared.assessor)
    response = client.post(
        _url(cleared, "assess_prepare_ak07"), _ak07_data(needed_media="yes"), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "Describe the adjustment." in response.content.decode()
    assert PreparationRecord.objects.get(assessment=cleared).adjustments == {}


def test_the_checklists_are_saved(client, cleared):
    client.force_login(cleared.assessor)
    data = _checks_data()
    del data["tuk_internet"]
    response = client.post(_url(cleared, "assess_prepare_checks"), data)
    assert response["Location"] == _url(cleared) + "#checks"
    record = PreparationRecord.objects.get(assessment=cleared)
    assert record.tuk_ready == {**dict.fromkeys(TUK_CHECKS, True), "internet": False}
    assert record.documents_complete == dict.fromkeys(DOCUMENT_CHECKS, True)


def test_a_save_in_a_later_state_is_refused_and_changes_nothing(client, assessor):
    assessment = factories.assessor_assessment(S.PREPARED, assessor=assessor)
    client.force_login(assessor)
    response = client.post(_url(assessment, "assess_prepare_checks"), _checks_data())
    assert response.status_code == 200
    assert "not possible while the assessment is Prepared" in response.content.decode()
    assert not PreparationRecord.objects.filter(assessment=assessment).exists()


# --- 5. FR.AK.01 ------------------------------------------------------------------------------


def test_the_assessor_signs_ak01_after_the_candidate(client, cleared):
    _sign(cleared, cleared.candidate)
    client.force_login(cleared.assessor)
    html = client.get(_url(cleared)).content.decode()
    assert _url(cleared, "assess_prepare_sign") in html
    response = client.post(
        _url(cleared, "assess_prepare_sign"),
        {"typed_name": cleared.assessor.full_name, "agreed": "on"},
    )
    assert response["Location"] == _url(cleared) + "#ak01"
    signature = Signature.objects.get(role=Signature.Role.ASSESSOR)
    assert signature.signer == cleared.assessor
    html = client.get(_url(cleared)).content.decode()
    assert _url(cleared, "assess_prepare_sign") not in html


def test_a_signature_with_another_name_is_refused_next_to_the_name(client, cleared):
    _sign(cleared, cleared.candidate)
    client.force_login(cleared.assessor)
    response = client.post(
        _url(cleared, "assess_prepare_sign"), {"typed_name": "Orang Lain", "agreed": "on"}
    )
    assert response.status_code == 200
    assert "Type your full name exactly as registered" in response.content.decode()
    assert not Signature.objects.filter(role=Signature.Role.ASSESSOR).exists()


def test_signing_before_the_candidate_is_refused(client, cleared):
    client.force_login(cleared.assessor)
    response = client.post(
        _url(cleared, "assess_prepare_sign"),
        {"typed_name": cleared.assessor.full_name, "agreed": "on"},
    )
    assert response.status_code == 200
    assert "The candidate signs FR.AK.01 first." in response.content.decode()
    assert not Signature.objects.exists()


# --- 6. complete --------------------------------------------------------------------------------


def test_preparation_complete_makes_the_candidate_prepared(client, ready):
    client.force_login(ready.assessor)
    html = client.get(_url(ready)).content.decode()
    assert re.search(r'<button type="submit" class="btn btn-success[^"]*">', html)
    response = client.post(_url(ready, "assess_prepare_complete"))
    assert response["Location"] == _url(ready) + "#complete"
    ready.refresh_from_db()
    assert ready.state == S.PREPARED
    assert "Preparation is complete" in _messages(response)[0]
    html = client.get(_url(ready)).content.decode()
    assert reverse("assessments:assess_observe", args=[ready.pk]) in html


def test_an_incomplete_preparation_says_what_is_missing(client, cleared):
    client.force_login(cleared.assessor)
    response = client.post(_url(cleared, "assess_prepare_complete"))
    assert response["Location"] == _url(cleared) + "#complete"
    message = _messages(response)[0]
    assert "Preparation is not complete yet" in message
    assert "The candidate has not signed FR.AK.01 yet." in message
    cleared.refresh_from_db()
    assert cleared.state == S.CLEARED


def test_the_whole_preparation_through_the_page(client, scheduled):
    """APL.02, plan, AK.07, checklists, both AK.01 signatures, complete: prepared."""
    client.force_login(scheduled.assessor)
    client.post(_url(scheduled, "assess_prepare_apl02"), {"decision": "proceed"})
    client.post(_url(scheduled, "assess_prepare_plan"), _plan_data(scheduled))
    client.post(_url(scheduled, "assess_prepare_ak07"), _ak07_data())
    client.post(_url(scheduled, "assess_prepare_checks"), _checks_data())
    _sign(scheduled, scheduled.candidate)
    client.post(
        _url(scheduled, "assess_prepare_sign"),
        {"typed_name": scheduled.assessor.full_name, "agreed": "on"},
    )
    client.post(_url(scheduled, "assess_prepare_complete"))
    scheduled.refresh_from_db()
    assert scheduled.state == S.PREPARED
