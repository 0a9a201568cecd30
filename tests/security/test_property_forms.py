"""Property-based tests of the main forms, posted through their pages (form + service, as a
browser would): whatever text is typed into any field, the page either saves it or shows the form
again with errors. Never a 5xx or a traceback, and never a partial write: when the tables the page
writes changed, the page said "saved" (a redirect); a page showing errors changed nothing.

Each field is drawn from its valid value or awkward text (empty, huge numbers, impossible dates,
NUL, direction marks, markup, very long strings, arbitrary unicode), so both outcomes occur;
a known-valid example is always among them. Each example is rolled back."""

import contextlib

import pytest
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from assessments.models import TUK as TUKModel
from assessments.models import (
    Assessment,
    AssessmentEvent,
    AssessorProfile,
    CandidateProfile,
    SelfAssessment,
)
from certification.models import User
from schemes.models import Element
from tests import factories

pytestmark = pytest.mark.django_db

AWKWARD = st.sampled_from(
    [
        "",
        " ",
        "0",
        "-1",
        "9" * 40,
        "1e309",
        "NaN",
        "2026-02-30",
        "0000-00-00",
        "9999-12-31",
        "1899-01-01",
        "２０２６-０１-０１",
        "2030-05-02T25:61",
        '<script>alert(1)</script>"><img src=x onerror=alert(1)>',
        "' OR 1=1 --",
        "{{ 7*7 }}{% debug %}",
        "%s%n%x",
        "\x00",
        "a\x00b",
        "\u202e\u200f",
        "\ufeff",
        "é" * 300,
        "x" * 5000,
        "3171 0123 4567 8911",
        "@",
        "a@b",
        "MET.000.000000.0000",
    ]
)
TEXT = st.one_of(AWKWARD, st.text(max_size=60))


class _Rollback(Exception):
    pass


@contextlib.contextmanager
def rolled_back():
    with contextlib.suppress(_Rollback), transaction.atomic():
        yield
        raise _Rollback


def snapshot(models) -> list:
    return [list(model.objects.order_by("pk").values()) for model in models]


def fields_from(valid: dict) -> st.SearchStrategy:
    """Each field: its valid value or awkward text."""
    return st.fixed_dictionaries(
        {name: st.one_of(st.just(value), TEXT) for name, value in valid.items()}
    )


def check_page(client, url: str, valid: dict, models, *, max_examples: int = 50) -> set[int]:
    """Post generated data to ``url``; returns the statuses seen (the valid example is one)."""
    statuses: set[int] = set()

    @settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.large_base_example],
    )
    @given(data=fields_from(valid))
    @example(data=valid)
    def post(data):
        with rolled_back():
            before = snapshot(models)
            response = client.post(url, data)
            body = response.content
            assert response.status_code < 500, (response.status_code, data)
            assert b"Traceback" not in body and b'File "/' not in body
            if snapshot(models) != before:
                assert response.status_code == 302, ("wrote and did not say so", data)
            if response.status_code == 200 and response.context and "form" in response.context:
                assert response.context["form"].errors, data
            statuses.add(response.status_code)

    post()
    return statuses


def test_the_candidate_profile_form(client):
    user = factories.UserFactory()
    client.force_login(user)
    valid = {
        "nik": "3171 0123 4567 8911",
        "birth_place": "Makassar",
        "birth_date": "1996-08-17",
        "sex": "P",
        "nationality": "Indonesia",
        "address": "Jl. Somba Opu 10",
        "postal_code": "90111",
        "phone": "0813 4444 5555",
        "education": "d3",
        "institution": "PT Maju",
        "position": "Teknisi",
        "job_address": "Jl. Veteran 2",
        "job_phone": "0411 123456",
        "job_email": "kantor@example.test",
    }
    statuses = check_page(client, reverse("assessments:profile"), valid, [CandidateProfile, User])
    assert statuses >= {200, 302}


def test_the_apl01_application_form(client, candidate, scheme_version):
    client.force_login(candidate)
    event = factories.AssessmentEventFactory(scheme_version=scheme_version, status="open")
    valid = {
        "scheme": str(scheme_version.pk),
        "purpose": Assessment.Purpose.CERTIFICATION,
        "previous": "",
        "purpose_other": "",
        "event": str(event.pk),
    }
    statuses = check_page(client, reverse("assessments:apply"), valid, [Assessment])
    assert 302 in statuses


def test_the_apl02_self_assessment_save(client, candidate):
    assessment = factories.AssessmentFactory(candidate=candidate)
    evidence = factories.EvidenceFactory(assessment=assessment, file=factories.pdf_file())
    element = Element.objects.filter(
        unit__scheme_units__group__version_id=assessment.scheme_version_id
    ).first()
    client.force_login(candidate)
    prefix = f"e{element.pk}"
    valid = {f"{prefix}-answer": "K", f"{prefix}-evidence": str(evidence.pk)}
    url = reverse("assessments:apl02_answer", args=[assessment.pk, element.pk])
    check_page(client, url, valid, [SelfAssessment])
    # Whatever was sent, only a valid answer with the candidate's own evidence was ever kept.
    for answer in SelfAssessment.objects.filter(assessment=assessment):
        assert answer.answer in SelfAssessment.Answer.values
        assert set(answer.evidence.values_list("assessment_id", flat=True)) <= {assessment.pk}


def test_the_tuk_form(client, admin_user):
    client.force_login(admin_user)
    valid = {
        "code": "TUK-PROP",
        "name": "TUK Properti",
        "tuk_type": "sewaktu",
        "address": "Jl. B",
        "city": "Ambon",
        "time_zone": "Asia/Jayapura",
        "contact_name": "",
        "contact_phone": "",
    }
    statuses = check_page(client, reverse("assessments:admin_tuk_create"), valid, [TUKModel])
    assert statuses >= {200, 302}


def test_the_event_form(client, admin_user, scheme_version):
    client.force_login(admin_user)
    tuk = factories.TUKFactory()
    valid = {
        "code": "EV-PROP",
        "name": "Gelombang Properti",
        "scheme_version": str(scheme_version.pk),
        "tuk": str(tuk.pk),
        "local_starts_at": "2030-05-02T09:00",
        "local_ends_at": "2030-05-02T15:00",
        "quota": "12",
    }
    statuses = check_page(
        client, reverse("assessments:admin_event_create"), valid, [AssessmentEvent]
    )
    assert statuses >= {200, 302}


def test_the_assessor_profile_form(client, admin_user, scheme_version):
    client.force_login(admin_user)
    valid = {
        "email": "asesor.prop@example.test",
        "full_name": "Asesor Properti",
        "met_number": "MET.000.777777.2022",
        "licence_valid_until": "2030-01-01",
        "scope": str(scheme_version.scheme_id),
        "status": "active",
        "phone": "",
    }
    statuses = check_page(
        client, reverse("assessments:admin_assessor_create"), valid, [AssessorProfile, User]
    )
    assert statuses >= {200, 302}
