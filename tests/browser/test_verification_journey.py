"""Journey 4: anyone checks a certificate on the public verification pages: a valid one (by
number and name, and by its QR link), a suspended one, and a number the LSP never issued."""

import pytest

from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def certificates():
    """Starting point: two issued certificates, the second suspended by the decision maker."""
    from certification.services_certification import certificate_suspend

    valid = factories.issued_certificate(candidate__full_name="Sari Wulandari")
    suspended = factories.issued_certificate(candidate__full_name="Joko Susilo")
    certificate_suspend(
        certificate_id=suspended.pk,
        actor=factories.DecisionMakerUserFactory(),
        reason="Pengaduan diperiksa.",
    )
    return valid, suspended


def search(person, number: str, name: str) -> None:
    page = person.page
    person.goto("/verify/")
    page.locator("#id_number").fill(number)
    page.locator("#id_name").fill(name)
    page.get_by_role("button", name="Verify").click()
    page.wait_for_load_state("load")


def test_public_verification(certificates, open_person):
    valid, suspended = certificates
    visitor = open_person("visitor")
    page = visitor.page

    visitor.goto("/verify/")
    visitor.check("search")

    search(visitor, valid.number, valid.holder_name)
    page.get_by_text("This certificate is valid").first.wait_for()
    assert page.get_by_text(valid.number).count()
    visitor.check("valid")

    visitor.goto(f"/verify/c/{valid.token}/")
    page.get_by_text("This certificate is valid").first.wait_for()
    visitor.check("valid-qr-link")

    search(visitor, suspended.number, suspended.holder_name.upper())
    page.get_by_text("This certificate is suspended").first.wait_for()
    assert not page.get_by_text("This certificate is valid").count()
    visitor.check("suspended")

    search(visitor, "LSP-TDN/9999/2099", "Nobody Here")
    page.get_by_text("No certificate matches this number and name.").first.wait_for()
    visitor.check("unknown")

    # A right number with the wrong name reveals nothing either.
    search(visitor, valid.number, "Someone Else")
    page.get_by_text("No certificate matches this number and name.").first.wait_for()

    with visitor.expecting(404, "/verify/c/"):
        response = visitor.goto("/verify/c/not-a-real-token/")
    assert response.status == 404
    visitor.check("unknown-qr-link")
