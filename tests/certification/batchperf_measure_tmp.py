"""Temporary measurement (batchperf helper): 1,000 rows through batch_register, old and new."""

import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments.models import Assessment, AssessmentEvent
from certification import services_batch
from tests import factories
from tests.certification import batchperf_old_tmp
from tests.certification.test_console_batch import row

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("impl", ["old", "new"])
def test_measure(impl, admin_user, django_capture_on_commit_callbacks):
    n = 1000
    module = batchperf_old_tmp if impl == "old" else services_batch
    event = factories.AssessmentEventFactory(quota=n + 10)
    AssessmentEvent.objects.filter(pk=event.pk).update(status=AssessmentEvent.Status.OPEN)
    existing = [factories.CandidateProfileFactory() for _ in range(5)]
    rows = [row(i, nik=f"3172{i:012d}") for i in range(1, n - 4)]
    rows += [row(9000 + i, email=p.user.email, nik=p.nik) for i, p in enumerate(existing)]
    assert len(rows) == n
    preview = module.batch_check(event=event, rows=rows)
    assert preview.ok, [(r.line, r.errors) for r in preview.rows if r.errors][:5]
    start = time.perf_counter()
    with CaptureQueriesContext(connection) as ctx:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            module.batch_register(event_id=event.pk, rows=rows, actor=admin_user)
    elapsed = time.perf_counter() - start
    print(
        f"\nBATCHPERF {impl} {connection.vendor} rows={n} seconds={elapsed:.2f} "
        f"queries={len(ctx)} on_commit={len(callbacks)}"
    )
    assert Assessment.objects.filter(event=event).count() == n
