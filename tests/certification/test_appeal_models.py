"""The Appeal record (FR.AK.04): its named constraints hold in the database."""

from contextlib import contextmanager

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from assessments.models import Assessment
from certification.models import Appeal
from tests import factories

pytestmark = pytest.mark.django_db


@contextmanager
def refused(constraint: str):
    """Expect the database to refuse the write, naming ``constraint`` where the backend does."""
    with pytest.raises(IntegrityError) as info, transaction.atomic():
        yield
    message = str(info.value)
    if connection.vendor == "postgresql" or "CHECK constraint" in message:
        assert constraint in message


@pytest.fixture
def decided():
    return factories.assessment_in_state(Assessment.State.DECIDED)


def _appeal(assessment, **kwargs) -> Appeal:
    fields = {"assessment": assessment, "filed_by": assessment.candidate, "reason": "Tidak adil"}
    # Past "filed", an appeal has its reviewer; once ruled, the reasons and the time.
    status = kwargs.get("status", Appeal.Status.FILED)
    if status != Appeal.Status.FILED:
        fields["reviewer"] = factories.AdminUserFactory()
    if status in (Appeal.Status.UPHELD, Appeal.Status.REJECTED):
        fields.update(ruling="Banding ditinjau.", ruled_at=timezone.now())
    return Appeal.objects.create(**{**fields, **kwargs})


def test_an_appeal_needs_a_reason(decided):
    with refused("appeal_reason_not_blank"):
        _appeal(decided, reason="")
    assert _appeal(decided).pk


def test_the_status_is_one_of_the_four(decided):
    with refused("appeal_status_valid"):
        _appeal(decided, status="closed")
    for status in Appeal.Status.values:
        Appeal.objects.all().delete()
        assert _appeal(decided, status=status).pk


@pytest.mark.parametrize("first", [Appeal.Status.FILED, Appeal.Status.UNDER_REVIEW])
def test_one_open_appeal_per_assessment(decided, first):
    _appeal(decided, status=first)
    for second in (Appeal.Status.FILED, Appeal.Status.UNDER_REVIEW):
        with refused("appeal_one_open_per_assessment"):
            _appeal(decided, status=second)


def test_a_ruled_appeal_does_not_block_a_new_one(decided):
    _appeal(decided, status=Appeal.Status.REJECTED)
    _appeal(decided, status=Appeal.Status.UPHELD)
    assert _appeal(decided).is_open
    # Another assessment's open appeal is independent.
    assert _appeal(factories.assessment_in_state(Assessment.State.DECIDED)).pk


def test_the_appeal_keeps_a_history(decided):
    appeal = _appeal(decided)
    appeal.status = Appeal.Status.UNDER_REVIEW
    appeal.reviewer = factories.AdminUserFactory()
    appeal.save(update_fields=["status", "reviewer"])
    assert [h.status for h in appeal.history.order_by("history_date")] == ["filed", "under_review"]


@pytest.mark.parametrize("status", [Appeal.Status.UNDER_REVIEW, Appeal.Status.UPHELD])
def test_an_appeal_past_filed_has_its_reviewer(decided, status):
    with refused("appeal_handled_has_reviewer"):
        _appeal(decided, status=status, reviewer=None)
    assert _appeal(decided, status=status).reviewer_id


@pytest.mark.parametrize("status", [Appeal.Status.UPHELD, Appeal.Status.REJECTED])
def test_a_ruled_appeal_has_its_reasons_and_time(decided, status):
    with refused("appeal_ruling_explained"):
        _appeal(decided, status=status, ruling="")
    with refused("appeal_ruling_explained"):
        _appeal(decided, status=status, ruled_at=None)
    assert _appeal(decided, status=status).ruling
