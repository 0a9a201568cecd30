"""Public certificate verification: no login, the live state, nothing personal beyond the
holder's name, a search needing number AND name, a QR code, and a rate limit."""

import pytest
from django.urls import reverse

from certification.services_certification import certificate_suspend
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def holder():
    return factories.CandidateProfileFactory(
        user__full_name="Siti  Nurhaliza",
        user__email="siti.private@example.test",
        nik="3171234567890123",
        phone="0812 9999 8888",
        birth_place="Bandung",
    ).user


@pytest.fixture
def certificate(holder):
    return factories.issued_certificate(candidate=holder)


def _personal(holder) -> list[str]:
    profile = holder.candidate_profile
    return [
        profile.nik,
        holder.email,
        profile.phone,
        profile.birth_place,
        profile.birth_date.isoformat(),
        profile.birth_date.strftime("%d/%m/%Y"),
        "17 May 1998",
        "May 17, 1998",
        profile.address,
    ]


def test_the_token_page_shows_the_certificate_without_login(client, certificate):
    response = client.get(reverse("certificate_verify", args=[certificate.token]))

    html = response.content.decode()
    assert response.status_code == 200
    assert certificate.holder_name in html
    assert certificate.number in html
    assert certificate.scheme_version.scheme.number in html
    assert certificate.scheme_version.title in html
    assert "This certificate is valid" in html
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert response["Referrer-Policy"] == "no-referrer"
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_the_verification_pages_never_show_personal_data(client, certificate, holder):
    pages = [
        client.get(reverse("certificate_verify", args=[certificate.token])),
        client.get(
            reverse("certificate_search"),
            {"number": certificate.number, "name": certificate.holder_name},
        ),
    ]
    for response in pages:
        html = response.content.decode()
        assert certificate.holder_name in html
        for secret in _personal(holder):
            assert secret not in html, secret


def test_the_page_shows_the_live_state(client, certificate, decision_maker):
    certificate_suspend(certificate_id=certificate.pk, actor=decision_maker, reason="Diperiksa")

    html = client.get(reverse("certificate_verify", args=[certificate.token])).content.decode()

    assert "This certificate is suspended" in html
    assert "Diperiksa" not in html  # the reason is internal


def test_an_unknown_token_is_not_found(client, certificate):
    assert client.get(reverse("certificate_verify", args=["x" * 32])).status_code == 404
    assert client.get(reverse("certificate_qr", args=["x" * 32])).status_code == 404


def test_the_search_needs_both_number_and_name_which_match_loosely(client, certificate):
    loose = client.get(
        reverse("certificate_search"),
        {"number": f"  {certificate.number.lower()} ", "name": "  siti NURHALIZA "},
    )
    wrong_name = client.get(
        reverse("certificate_search"), {"number": certificate.number, "name": "Budi"}
    )
    number_only = client.get(reverse("certificate_search"), {"number": certificate.number})

    assert loose.context["certificate"].number == certificate.number
    assert wrong_name.context["certificate"] is None
    assert 'id="verify-none"' in wrong_name.content.decode()
    assert certificate.holder_name not in wrong_name.content.decode()
    assert number_only.context["certificate"] is None
    assert certificate.holder_name not in number_only.content.decode()


def test_the_qr_code_is_a_png_of_the_verification_address(client, certificate):
    from io import BytesIO

    from PIL import Image

    response = client.get(reverse("certificate_qr", args=[certificate.token]))

    assert response["Content-Type"] == "image/png"
    assert Image.open(BytesIO(response.content)).format == "PNG"


def test_lookups_are_rate_limited_per_address(client, certificate, settings):
    settings.KOMPETEN_VERIFY_RATE_LIMIT = 3
    url = reverse("certificate_verify", args=[certificate.token])

    statuses = [client.get(url).status_code for _ in range(3)]
    limited = client.get(reverse("certificate_search"), {"number": "1", "name": "a"})
    elsewhere = client.get(url, REMOTE_ADDR="10.1.2.3")

    assert statuses == [200, 200, 200]
    assert limited.status_code == 429
    assert limited["Retry-After"] == "60"
    assert "Too many requests" in limited.content.decode()
    assert certificate.holder_name not in limited.content.decode()
    assert elsewhere.status_code == 200


def test_unknown_tokens_count_against_the_limit_too(client, certificate, settings):
    settings.KOMPETEN_VERIFY_RATE_LIMIT = 2
    for _ in range(2):
        client.get(reverse("certificate_verify", args=["guess" * 7]))

    response = client.get(reverse("certificate_verify", args=[certificate.token]))

    assert response.status_code == 429


def test_email_verification_links_still_work_beside_the_certificate_pages(client):
    # verify/<token>/ is the account email link; certificates live under verify/c/.
    response = client.get("/verify/not-a-real-email-token/")
    assert response.status_code != 429
    assert response.resolver_match.url_name == "verify_email"
