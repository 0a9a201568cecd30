"""The daily beat task that warns about assessor licences ending in 90, 30 and 7 days."""

import datetime

import pytest
from django.conf import settings
from django.utils import timezone, translation

from assessments.models import Notification
from assessments.tasks import warn_expiring_licences
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    # The tests read the English msgids; the project's default language is Indonesian.
    with translation.override("en"):
        yield


def _ending_in(days: int):
    return factories.AssessorProfileFactory(
        licence_valid_until=timezone.localdate() + datetime.timedelta(days=days)
    ).user


@pytest.mark.parametrize("days", [90, 30, 7])
def test_it_warns_the_assessor_and_the_admins_on_the_warning_days(days, admin_user):
    assessor = _ending_in(days)
    assert warn_expiring_licences() == 1
    mine = Notification.objects.get(recipient=assessor)
    assert str(days) in mine.body
    assert Notification.objects.filter(recipient=admin_user, body__contains=str(days)).count() == 1


@pytest.mark.parametrize("days", [91, 89, 31, 29, 8, 6, 0, -1])
def test_it_stays_silent_on_other_days(days, admin_user):
    _ending_in(days)
    assert warn_expiring_licences() == 0
    assert not Notification.objects.exists()


def test_a_second_run_the_same_day_sends_nothing_more(admin_user):
    _ending_in(30)
    warn_expiring_licences()
    warn_expiring_licences()
    assert Notification.objects.count() == 2  # one for the assessor, one for the admin


def test_the_task_is_in_the_beat_schedule():
    entry = settings.CELERY_BEAT_SCHEDULE["warn-expiring-licences"]
    assert entry["task"] == "assessments.tasks.warn_expiring_licences"
    # The certification helper's entries are still there.
    assert "expire-certificates" in settings.CELERY_BEAT_SCHEDULE
