import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests import factories
from tests.assessments import test_assessor_event as ev
from tests.assessments import test_assessor_home as home

pytestmark = pytest.mark.django_db


def _dump(name, client, url):
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(url)
    assert r.status_code == 200
    print(f"\n===== {name}: {len(ctx.captured_queries)} queries, {len(r.content)} bytes")
    for i, q in enumerate(ctx.captured_queries):
        print(f"--- {i+1}: {q['sql'][:700]}")


def test_decision(client, decision_maker):
    a = factories.full_record(factories.reported_with_units(units=3))
    client.force_login(decision_maker)
    _dump("decision", client, reverse("decision_detail", args=[a.pk]))


def test_home(client, assessor, other_assessor):
    home._fill(assessor, 2)
    client.force_login(assessor)
    _dump("home", client, home.URL)


def test_matrix(client, assessor):
    e = ev._bulk_event(assessor, candidates=3, units=2)
    client.force_login(assessor)
    _dump("matrix", client, ev._url("event_detail", e))
