import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.models import AssessmentEvent
from tests import factories

pytestmark = pytest.mark.django_db


def test_queue_size(client, admin_user):
    client.force_login(admin_user)
    url = reverse("assessments:verification_queue")
    version = factories.make_scheme_version(units=1, elements=1)
    for _ in range(3):
        factories.AssessmentEventFactory(scheme_version=version)
    client.get(url)
    small = len(client.get(url).content)
    events = [factories.AssessmentEventFactory(scheme_version=version) for _ in range(300)]
    AssessmentEvent.objects.filter(pk__in=[e.pk for e in events]).update(status="done")
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(url)
    print(f"\nQUEUE bytes 3 open events: {small}; +300 done events: {len(r.content)}; "
          f"options {len(r.context['filter'].form.fields['event'].choices)}; queries {len(ctx)}; "
          f"all events would be {AssessmentEvent.objects.count()} options")
