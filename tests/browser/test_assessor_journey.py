"""Journey 3 (part): the assessor declares impartiality, opens the preparation of a cleared
candidate, records FR.IA.01 for every KUK with the keyboard (static/js/ia01.js), and a second
assessor of the same event cannot open that candidate."""

import pytest

from assessments.models import Assessment
from tests import factories
from tests.browser.test_candidate_journey import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def starting_point(assessor, other_assessor):
    """Charlie has one candidate cleared for preparation and one whose assessment is under way
    (both taken there through the services by the factories); Dina is another assessor."""
    S = Assessment.State
    return {
        "cleared": factories.assessment_in_state(S.CLEARED, assessor=assessor),
        "in_progress": factories.assessment_in_state(S.IN_PROGRESS, assessor=assessor),
    }


def declare_no_relationship(person, event_id: int) -> None:
    """The declaration comes before any candidate data; a declared event shows the event."""
    page = person.page
    person.goto(f"/assessments/events/{event_id}/impartiality/")
    no_relationship = page.get_by_role("button", name="No relationship with any of them")
    if not no_relationship.count():
        return
    person.check(f"impartiality-event-{event_id}")
    no_relationship.click()
    for select in page.locator("#impartiality-form select").all():
        assert select.input_value() == "none"
    page.get_by_role("button", name="Declare").click()
    page.wait_for_load_state("load")
    person.assert_clean()


def test_assessor(starting_point, assessor, other_assessor, open_person):
    observed, cleared = starting_point["in_progress"], starting_point["cleared"]
    charlie = open_person("assessor")
    page = charlie.page
    sign_in(charlie, assessor.email, factories.PASSWORD)
    charlie.goto("/assessments/assessor/")
    charlie.check("home")

    # Preparation of the cleared candidate at the upcoming event.
    declare_no_relationship(charlie, cleared.event_id)
    charlie.goto(f"/assessments/assess/{cleared.pk}/prepare/")
    charlie.check("prepare")

    # FR.IA.01 at the event under way: j to the first open KUK, then y for each one.
    declare_no_relationship(charlie, observed.event_id)
    charlie.goto(f"/assessments/assess/{observed.pk}/observe/")
    rows = page.locator("[data-ia01-row]")
    total = rows.count()
    assert total > 0
    charlie.check("ia01-empty")
    page.locator("body").focus()
    page.keyboard.press("j")
    for _ in range(total):
        with page.expect_response(lambda r: "/observe/" in r.url and r.request.method == "POST"):
            page.keyboard.press("y")
    page.wait_for_load_state("networkidle")
    answers = rows.evaluate_all("(rows) => rows.map((r) => r.getAttribute('data-answer'))")
    assert answers == ["ya"] * total
    charlie.check("ia01-done")

    # Another assessor is not even told that this candidate exists.
    dina = open_person("other-assessor")
    sign_in(dina, other_assessor.email, factories.PASSWORD)
    with dina.expecting(404, f"/assess/{observed.pk}/"):
        response = dina.goto(f"/assessments/assess/{observed.pk}/observe/")
    assert response.status == 404
    dina.check("other-assessor-404")
