"""Fixtures shared by the certification layer's page tests."""

import pytest
from django.utils import translation

from assessments.models import AssessmentEvent
from tests import factories


@pytest.fixture
def in_english(client, settings):
    """Pages and service messages in English (the msgids the tests read)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def event():
    """An event open for registration with room for five (the batch registration tests)."""
    event = factories.AssessmentEventFactory(quota=5)
    AssessmentEvent.objects.filter(pk=event.pk).update(status=AssessmentEvent.Status.OPEN)
    event.refresh_from_db()
    return event
