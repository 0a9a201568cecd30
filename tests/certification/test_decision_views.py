"""The pleno's pages: the queue, the decision page (whole record, constant queries, the
decision), the decision log with its export, and the decision letters."""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from assessments.models import Assessment
from assessments.services.privacy import mask_nik
from certification.models import CertificationDecision, DecisionLetter
from tests import factories

pytestmark = pytest.mark.django_db
S = Assessment.State


@pytest.fixture(autouse=True)
def _english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def dm_client(client, decision_maker):
    client.force_login(decision_maker)
    return client


# --- who may see what ----------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["candidate", "assessor", "admin_user"])
def test_the_queue_and_the_decision_page_are_for_decision_makers_only(client, request, persona):
    assessment = factories.reported_with_units()
    client.force_login(request.getfixturevalue(persona))

    assert client.get(reverse("decision_queue")).status_code == 403
    assert client.get(reverse("decision_detail", args=[assessment.pk])).status_code == 403
    response = client.post(
        reverse("decision_detail", args=[assessment.pk]),
        {"outcome": "certified", "basis": "x"},
    )
    assert response.status_code == 403
    assert not CertificationDecision.objects.exists()


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(reverse("decision_queue"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("persona", ["candidate", "assessor"])
def test_the_log_and_letters_are_for_the_lsp_staff(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("decision_log")).status_code == 403
    assert client.get(reverse("decision_log") + "?export=csv").status_code == 403
    assert client.get(reverse("decision_letters")).status_code == 403


# --- queue ---------------------------------------------------------------------------------------


def test_the_queue_lists_reported_assessments_and_flags_those_the_user_assessed(client):
    dm_assessor = factories.AssessorProfileFactory(
        user__is_decision_maker=True, user__full_name="Dewi Komite"
    ).user
    mine = factories.reported_with_units(assessor=dm_assessor)
    theirs = factories.reported_with_units(outcomes=["K", "BK"])
    decided = factories.assessment_in_state(S.DECIDED)
    client.force_login(dm_assessor)

    response = client.get(reverse("decision_queue"))

    assert response.status_code == 200
    rows = {a.pk: a for a in response.context["page"]}
    assert set(rows) == {mine.pk, theirs.pk}
    assert decided.pk not in rows
    assert rows[mine.pk].involved and not rows[theirs.pk].involved
    assert (rows[theirs.pk].k_count, rows[theirs.pk].bk_count, rows[theirs.pk].unit_count) == (
        1,
        1,
        2,
    )
    assert "You may not decide: you were involved" in response.content.decode()


# --- the decision page ---------------------------------------------------------------------------


def test_the_decision_page_shows_the_whole_record_read_only(dm_client):
    candidate = factories.CandidateProfileFactory().user
    assessment = factories.full_record(factories.reported_with_units(units=2, candidate=candidate))

    response = dm_client.get(reverse("decision_detail", args=[assessment.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    profile = assessment.candidate.candidate_profile
    for text in [
        mask_nik(profile.nik),  # APL.01, masked for a decision maker (docs/privacy.md)
        "ijazah.pdf",  # documents
        "Waktu tambahan",  # AK.07 adjustment
        "Jelaskan prosedur kerja.",  # IA.07 question
        "Dilakukan sesuai SOP",  # IA.01 observation note
        "Teliti",  # feedback strengths
        "Pak Budi",  # IA.10
        "Recommendation: K (every unit K)",
        'id="decide"',  # the form
    ]:
        assert text in html, text
    assert 'name="outcome"' in html
    assert profile.nik not in html


def test_a_reassessment_shows_what_it_reassesses(dm_client):
    earlier = factories.assessment_in_state(S.DECIDED)
    assessment = factories.reported_with_units(candidate=earlier.candidate)
    Assessment.objects.filter(pk=assessment.pk).update(previous=earlier)

    html = dm_client.get(reverse("decision_detail", args=[assessment.pk])).content.decode()

    assert "Reassessment of" in html
    assert earlier.scheme_version.scheme.number in html


def _more_records(assessment, *, times: int) -> None:
    """``times`` more reviewed evidence items (each supporting every KUK) and questions per unit."""
    from assessments.models import EvidenceReview, QuestionRecord
    from schemes.models import Criterion, SchemeUnit

    criteria = Criterion.objects.filter(
        element__unit__scheme_units__group__version_id=assessment.scheme_version_id
    )
    units = SchemeUnit.objects.filter(group__version_id=assessment.scheme_version_id)
    for _ in range(times):
        review = EvidenceReview.objects.create(
            evidence=factories.EvidenceFactory(assessment=assessment),
            valid=True,
            authentic=True,
            current=True,
            sufficient=True,
            reviewed_by=assessment.assessor,
        )
        review.criteria.set(criteria)
        for scheme_unit in units:
            QuestionRecord.objects.create(
                assessment=assessment,
                unit_id=scheme_unit.unit_id,
                instrument="ia03",
                question="Apa langkah berikutnya?",
                recorded_by=assessment.assessor,
            )


def test_the_decision_page_costs_the_same_queries_whatever_the_size_of_the_record(
    dm_client, django_assert_max_num_queries
):
    counts = {}
    for units, more in ((2, 0), (10, 3)):
        assessment = factories.full_record(factories.reported_with_units(units=units))
        _more_records(assessment, times=more)
        url = reverse("decision_detail", args=[assessment.pk])
        dm_client.get(url)  # warm-up: the session and the LSP record get cached
        # 11 for the page: 1 for the assessment (with its one-to-one parts and whether the user
        # is involved with the candidate), 1 for the access log row, 9 for the record
        # (documents, evidence, the KUK the reviews cite, questions, IA.10, declarations, the
        # scheme's units/elements/KUK with the APL.02 answers and observations, plans + unit
        # decisions + feedback in one, history). 3 for every signed-in page (session, user, the
        # session's two-factor device); the warm-up saved the session already. Under 15 in all.
        with django_assert_max_num_queries(11 + 3) as captured:
            response = dm_client.get(url)
        assert len(response.context["record"]["units"]) == units
        counts[units] = len(captured)

    assert counts[2] == counts[10]


def test_a_decision_maker_decides_from_the_page(dm_client, decision_maker):
    assessment = factories.reported_with_units()

    response = dm_client.post(
        reverse("decision_detail", args=[assessment.pk]),
        {"outcome": "certified", "basis": "Pleno 20/11: kompeten."},
    )

    assert response.status_code == 302
    assert response.url == reverse("decision_queue")
    decision = CertificationDecision.objects.get(assessment=assessment)
    assert decision.outcome == "certified" and decision.decided_by == decision_maker
    assessment.refresh_from_db()
    assert assessment.state == S.DECIDED
    page = dm_client.get(reverse("decision_detail", args=[assessment.pk]))
    assert 'id="decision-made"' in page.content.decode()
    assert 'id="decide"' not in page.content.decode()


def test_the_page_refuses_a_decision_maker_who_assessed_the_candidate(client):
    dm_assessor = factories.AssessorProfileFactory(user__is_decision_maker=True).user
    assessment = factories.reported_with_units(assessor=dm_assessor)
    client.force_login(dm_assessor)

    page = client.get(reverse("decision_detail", args=[assessment.pk]))
    assert 'id="decision-refused"' in page.content.decode()
    assert 'id="decide"' not in page.content.decode()

    response = client.post(
        reverse("decision_detail", args=[assessment.pk]),
        {"outcome": "certified", "basis": "Kompeten"},
        follow=True,
    )
    assert "You have been an assessor of this candidate." in response.content.decode()
    assert not CertificationDecision.objects.exists()
    assessment.refresh_from_db()
    assert assessment.state == S.REPORTED


@pytest.mark.parametrize("involvement", ["declared", "override"])
def test_the_page_refuses_a_decision_maker_involved_otherwise(client, involvement):
    # The page reads these facts with the assessment (rules.with_involvement), not as the
    # service does: both must refuse.
    from assessments.models import AssignmentOverride, ImpartialityDeclaration

    committee = factories.AssessorProfileFactory(
        user__is_decision_maker=True, user__is_lsp_admin=True
    ).user
    assessment = factories.reported_with_units()
    if involvement == "declared":
        earlier = factories.assessment_in_state(S.DECIDED, candidate=assessment.candidate)
        ImpartialityDeclaration.objects.create(
            event=earlier.event,
            assessor=committee,
            assessment=earlier,
            relationship="trainer",
            note="Saya melatih peserta ini.",
        )
        reason = "You declared a relationship with this candidate."
    else:
        AssignmentOverride.objects.create(
            assessment=assessment,
            assessor=assessment.assessor,
            assigned_by=factories.AdminUserFactory(),
            approved_by=committee,
            reason="Tidak ada asesor lain untuk skema ini.",
        )
        reason = "You took part in overriding a conflict for this candidate&#x27;s assessment."
    client.force_login(committee)

    html = client.get(reverse("decision_detail", args=[assessment.pk])).content.decode()

    assert 'id="decision-refused"' in html and reason in html
    assert 'id="decide"' not in html
    other = factories.DecisionMakerUserFactory()
    client.force_login(other)
    assert (
        'id="decide"'
        in client.get(reverse("decision_detail", args=[assessment.pk])).content.decode()
    )


def test_certifying_against_a_bk_recommendation_shows_the_error_on_the_form(dm_client):
    assessment = factories.reported_with_units(outcomes=["K", "BK"])

    response = dm_client.post(
        reverse("decision_detail", args=[assessment.pk]),
        {"outcome": "certified", "basis": "Tetap kompeten"},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["outcome"] == [
        "A candidate can be certified only when the assessor found every unit K."
    ]
    assert "Tetap kompeten" in response.content.decode()  # what was typed is kept
    assert not CertificationDecision.objects.exists()


def test_a_missing_basis_is_a_form_error(dm_client):
    assessment = factories.reported_with_units()

    response = dm_client.post(
        reverse("decision_detail", args=[assessment.pk]), {"outcome": "certified", "basis": ""}
    )

    assert response.status_code == 200
    assert "basis" in response.context["form"].errors
    assert not CertificationDecision.objects.exists()


def test_an_assessment_not_reported_is_not_found(dm_client):
    assessment = factories.assessment_in_state(S.IN_PROGRESS)
    assert dm_client.get(reverse("decision_detail", args=[assessment.pk])).status_code == 404


def test_the_decision_page_refuses_get_put_delete(dm_client):
    assessment = factories.reported_with_units()
    url = reverse("decision_detail", args=[assessment.pk])
    assert dm_client.put(url).status_code == 405
    assert dm_client.delete(url).status_code == 405


# --- log and export ------------------------------------------------------------------------------


@pytest.fixture
def logged(decision_maker):
    certified = factories.decided_with_decision(certified=True, decision_maker=decision_maker)
    refused = factories.decided_with_decision(certified=False, decision_maker=decision_maker)
    return certified, refused


def test_the_log_lists_and_filters_decisions(admin_user, client, logged):
    certified, refused = logged
    client.force_login(admin_user)

    everything = client.get(reverse("decision_log"))
    only_refused = client.get(reverse("decision_log"), {"outcome": "not_certified"})
    by_name = client.get(
        reverse("decision_log"), {"q": certified.assessment.candidate.full_name.split()[0]}
    )

    assert {d.pk for d in everything.context["page"]} == {certified.pk, refused.pk}
    assert [d.pk for d in only_refused.context["page"]] == [refused.pk]
    assert certified.pk in {d.pk for d in by_name.context["page"]}
    assert "Issue" in everything.content.decode()  # the admin may issue the certificate


def test_the_log_exports_csv_with_the_filters(admin_user, client, logged):
    certified, _refused = logged
    client.force_login(admin_user)

    response = client.get(reverse("decision_log"), {"export": "csv", "outcome": "certified"})

    assert response["Content-Type"] == "text/csv"
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["No.", "Candidate", "Scheme number"]
    assert len(rows) == 2
    assert rows[1][1] == certified.assessment.candidate.full_name
    assert rows[1][6:8] == ["K", "Certified"]


def test_the_log_exports_xlsx(decision_maker, dm_client, logged):
    response = dm_client.get(reverse("decision_log"), {"export": "xlsx"})

    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.values)
    assert values[0][1] == "Candidate"
    assert len(values) == 3
    assert {row[7] for row in values[1:]} == {"Certified", "Not certified"}


def test_the_export_neutralises_formulas(admin_user, client):
    decision = factories.decided_with_decision()
    CertificationDecision.objects.filter(pk=decision.pk).update(basis='=HYPERLINK("x")')
    client.force_login(admin_user)

    rows = list(
        csv.reader(
            io.StringIO(
                client.get(reverse("decision_log"), {"export": "csv"}).content.decode("utf-8-sig")
            )
        )
    )

    assert rows[1][10] == '\'=HYPERLINK("x")'


# --- decision letters ----------------------------------------------------------------------------


def test_a_letter_is_prepared_from_the_page_and_signed_by_the_head(dm_client, logged, client):
    head = factories.UserFactory(is_lsp_head=True, full_name="Dr. Ketua")
    certified, refused = logged

    response = dm_client.post(
        reverse("decision_letters"),
        {
            "decisions": [certified.pk, refused.pk],
            "signatory": head.pk,
            "date": "2026-11-20",
            "note": "Pleno 20 November",
        },
    )

    letter = DecisionLetter.objects.get()
    assert response.url == reverse("decision_letter_detail", args=[letter.pk])
    assert letter.decisions.count() == 2
    assert dm_client.post(reverse("decision_letter_sign", args=[letter.pk])).status_code == 403
    client.force_login(head)
    client.post(reverse("decision_letter_sign", args=[letter.pk]))
    letter.refresh_from_db()
    assert letter.is_signed


def test_the_head_reads_the_letters_but_does_not_prepare_them(client, logged):
    head = factories.UserFactory(is_lsp_head=True)
    client.force_login(head)
    assert client.get(reverse("decision_letters")).status_code == 200
    response = client.post(reverse("decision_letters"), {"decisions": [logged[0].pk]})
    assert response.status_code == 403
    assert not DecisionLetter.objects.exists()
