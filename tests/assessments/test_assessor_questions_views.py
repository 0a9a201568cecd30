"""The questions page (assess_questions): FR.IA.03 / IA.07 / IA.09 per unit from the scheme's
bank or ad hoc, edit, read-only states, access and constant queries."""

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments import services
from assessments.models import Assessment, BankQuestion, QuestionRecord
from schemes.models import SchemeUnit
from tests.factories import assessor_assessment, make_scheme_version

S = Assessment.State
pytestmark = pytest.mark.django_db


def _url(assessment: Assessment) -> str:
    return reverse("assessments:assess_questions", args=[assessment.pk])


def _units(assessment: Assessment) -> list:
    return [
        su.unit
        for su in SchemeUnit.objects.filter(group__version=assessment.scheme_version)
        .select_related("unit")
        .order_by("position")
    ]


def _bank(assessment, **kwargs) -> BankQuestion:
    data = {
        "scheme_id": assessment.scheme_version.scheme_id,
        "instrument": "ia07",
        "text": "Jelaskan perbedaan stack dan queue.",
        "expected_answer": "Stack LIFO, queue FIFO.",
    }
    data.update(kwargs)
    return BankQuestion.objects.create(**data)


def _add(unit, instrument: str, **fields) -> dict:
    prefix = f"u{unit.pk}-{instrument}"
    data = {"unit": unit.pk, "instrument": instrument}
    data.update({f"{prefix}-{name}": value for name, value in fields.items()})
    return data


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def assessment(assessor):
    return assessor_assessment(S.IN_PROGRESS, assessor=assessor)


@pytest.fixture
def client_as(client, assessor):
    client.force_login(assessor)
    return client


def test_the_bank_is_offered_per_unit_and_instrument(client_as, assessment):
    first, second = _units(assessment)
    for_first = _bank(assessment, unit_code=first.code, text="Apa itu struktur data?")
    for_any = _bank(assessment, instrument="ia09", text="Ceritakan pengalaman kerja Anda.")
    for_second = _bank(assessment, unit_code=second.code, text="Bagaimana UI diuji?")
    retired = _bank(assessment, unit_code=first.code, text="Pertanyaan lama", active=False)
    foreign = _bank(
        assessment, scheme_id=make_scheme_version().scheme_id, text="Pertanyaan skema lain"
    )

    response = client_as.get(_url(assessment))

    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="id_u{first.pk}-ia07-bank_question-{for_first.pk}"' in html
    assert f'id="id_u{second.pk}-ia07-bank_question-{for_first.pk}"' not in html
    assert f'id="id_u{second.pk}-ia07-bank_question-{for_second.pk}"' in html
    assert f'id="id_u{first.pk}-ia09-bank_question-{for_any.pk}"' in html
    assert f'id="id_u{second.pk}-ia09-bank_question-{for_any.pk}"' in html
    assert f'id="id_u{first.pk}-ia03-bank_question-{for_first.pk}"' not in html
    assert retired.text not in html
    assert foreign.text not in html


def test_an_ad_hoc_question_is_recorded(client_as, assessment):
    unit = _units(assessment)[0]

    response = client_as.post(
        _url(assessment),
        _add(
            unit,
            "ia03",
            bank_question="",
            question="Mengapa memakai linked list?",
            expected_answer="Sisip dan hapus cepat",
            answer="Agar mudah menambah data",
            achieved="ya",
        ),
    )

    record = QuestionRecord.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{_url(assessment)}#q-{record.pk}"
    assert (record.unit, record.instrument, record.achieved) == (unit, "ia03", True)
    assert record.question == "Mengapa memakai linked list?"
    assert record.answer == "Agar mudah menambah data"


def test_a_bank_question_is_recorded_with_the_bank_wording(client_as, assessment):
    unit = _units(assessment)[0]
    bank = _bank(assessment, unit_code=unit.code)

    client_as.post(
        _url(assessment),
        _add(unit, "ia07", bank_question=bank.pk, answer="LIFO vs FIFO", achieved="ya"),
    )

    record = QuestionRecord.objects.get()
    assert (record.bank_question, record.question) == (bank, bank.text)
    assert record.expected_answer == bank.expected_answer
    page = client_as.get(_url(assessment)).content.decode()
    assert f'id="q-{record.pk}"' in page
    assert f'id="id_u{unit.pk}-ia07-bank_question-{bank.pk}"' not in page  # asked already


def test_a_bank_question_of_another_scheme_is_refused(client_as, assessment):
    unit = _units(assessment)[0]
    foreign = _bank(assessment, scheme_id=make_scheme_version().scheme_id)

    response = client_as.post(_url(assessment), _add(unit, "ia07", bank_question=foreign.pk))

    assert response.status_code == 400
    assert not QuestionRecord.objects.exists()


def test_a_question_without_text_shows_the_form_again_with_the_error(client_as, assessment):
    unit = _units(assessment)[0]

    response = client_as.post(
        _url(assessment), _add(unit, "ia09", question=" ", answer="Jawaban yang diketik")
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "Pick a question from the bank or write one." in html
    assert "Jawaban yang diketik" in html  # what was typed is kept
    assert not QuestionRecord.objects.exists()


def test_a_recorded_question_can_be_edited(client_as, assessor, assessment):
    unit = _units(assessment)[0]
    record = services.question_record_save(
        assessment_id=assessment.pk,
        actor=assessor,
        unit_id=unit.pk,
        instrument="ia07",
        question="Apa itu queue?",
    )

    form = client_as.get(f"{_url(assessment)}?edit={record.pk}").content.decode()
    response = client_as.post(
        _url(assessment),
        {
            "record": record.pk,
            f"q{record.pk}-question": "Apa itu queue dan kapan dipakai?",
            f"q{record.pk}-expected_answer": "FIFO",
            f"q{record.pk}-answer": "Antrian cetak",
            f"q{record.pk}-achieved": "tidak",
        },
    )

    assert f'name="q{record.pk}-question"' in form and "Apa itu queue?" in form
    assert response.status_code == 302
    record.refresh_from_db()
    assert (record.question, record.answer, record.achieved) == (
        "Apa itu queue dan kapan dipakai?",
        "Antrian cetak",
        False,
    )
    assert QuestionRecord.objects.count() == 1


def test_a_question_of_another_assessment_cannot_be_edited(client_as, assessor, assessment):
    other = assessor_assessment(S.IN_PROGRESS, assessor=assessor)
    foreign = services.question_record_save(
        assessment_id=other.pk,
        actor=assessor,
        unit_id=_units(other)[0].pk,
        instrument="ia07",
        question="Apa itu stack?",
    )

    response = client_as.post(
        _url(assessment), {"record": foreign.pk, f"q{foreign.pk}-question": "Diubah"}
    )

    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.question == "Apa itu stack?"


def test_the_first_question_starts_a_prepared_assessment(client_as, assessor):
    assessment = assessor_assessment(S.PREPARED, assessor=assessor)
    unit = _units(assessment)[0]

    client_as.post(_url(assessment), _add(unit, "ia07", question="Apa itu stack?"))

    assessment.refresh_from_db()
    assert assessment.state == S.IN_PROGRESS


def test_after_the_recommendation_the_questions_are_read_only(client_as, assessor):
    assessment = assessor_assessment(S.RECOMMENDED, assessor=assessor)
    unit = _units(assessment)[0]

    page = client_as.get(_url(assessment)).content.decode()
    response = client_as.post(
        _url(assessment), _add(unit, "ia07", question="Apa itu stack?"), follow=True
    )

    assert "Add a question" not in page
    assert "not possible while the assessment is Recommended" in response.content.decode()
    assert not QuestionRecord.objects.exists()


def test_another_assessors_candidate_is_not_found(client, other_assessor, assessment):
    client.force_login(other_assessor)
    unit = _units(assessment)[0]

    assert client.get(_url(assessment)).status_code == 404
    response = client.post(_url(assessment), _add(unit, "ia07", question="Apa itu stack?"))
    assert response.status_code == 404
    assert not QuestionRecord.objects.exists()


def test_a_unit_or_instrument_not_on_the_page_is_not_found(client_as, assessment):
    foreign_unit = SchemeUnit.objects.filter(group__version=make_scheme_version()).first().unit
    unit = _units(assessment)[0]

    assert client_as.post(_url(assessment), _add(foreign_unit, "ia07")).status_code == 404
    assert client_as.post(_url(assessment), _add(unit, "ia01")).status_code == 404


def test_the_page_makes_the_same_queries_whatever_the_size(client_as, assessor):
    def page_queries(assessment: Assessment) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client_as.get(_url(assessment)).status_code == 200
        return len(queries)

    small = assessor_assessment(S.IN_PROGRESS, assessor=assessor)
    large = assessor_assessment(
        S.IN_PROGRESS, assessor=assessor, scheme_version=make_scheme_version(units=10)
    )
    for assessment in (small, large):
        for unit in _units(assessment):
            _bank(assessment, unit_code=unit.code)
            services.question_record_save(
                assessment_id=assessment.pk,
                actor=assessor,
                unit_id=unit.pk,
                instrument="ia03",
                question="Apa itu stack?",
            )
    client_as.get(_url(small))  # the LSP record is cached after the first page

    assert page_queries(small) == page_queries(large)
