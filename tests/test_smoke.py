import pytest

from assessments.models import Assessment
from tests.factories import assessment_in_state


@pytest.mark.django_db
@pytest.mark.parametrize("state", Assessment.State.values)
def test_factory_reaches_every_state_through_services(state):
    assert assessment_in_state(state).state == state
