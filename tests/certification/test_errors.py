"""Our 403/404/500 pages: rendered by the handlers in certification/views/errors.py."""

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory
from django.urls import path

from certification import urls as project_urls
from certification.views import errors

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def test_unknown_url_renders_our_404_page_when_debug_is_off(client, settings, candidate):
    settings.DEBUG = False
    client.force_login(candidate)

    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert "errors/404.html" in [t.name for t in response.templates]
    html = response.content.decode()
    assert "Page not found" in html
    assert 'href="/"' in html  # the way back home
    assert "Alice Asesi" in html  # the normal shell, with the signed-in user


def test_404_page_works_for_anonymous_visitors(client, settings):
    settings.DEBUG = False

    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert b"Page not found" in response.content


def test_403_page_shows_the_reason_a_service_gave(rf: RequestFactory, candidate):
    request = rf.get("/somewhere/")
    request.user = candidate

    response = errors.permission_denied(
        request, PermissionDenied("Only the assigned assessor can do this.")
    )

    assert response.status_code == 403
    assert b"Only the assigned assessor can do this." in response.content


def test_403_page_without_a_reason_stays_generic(rf: RequestFactory, candidate):
    request = rf.get("/somewhere/")
    request.user = candidate

    response = errors.permission_denied(request, PermissionDenied())

    assert response.status_code == 403
    assert b'<p class="lead">' not in response.content


def test_500_page_renders_without_touching_the_database(
    rf: RequestFactory, django_assert_num_queries
):
    with django_assert_num_queries(0):
        response = errors.server_error(rf.get("/boom/"))

    assert response.status_code == 500
    assert b"Something went wrong" in response.content
    assert b"bootstrap.min.css" in response.content


def _boom(request):
    raise RuntimeError("kaboom: internal detail")


# The project's URLconf plus one view that fails, with the project's own 500 handler.
urlpatterns = [path("boom/", _boom), *project_urls.urlpatterns]
handler500 = project_urls.handler500


@pytest.mark.urls(__name__)
def test_500_handler_is_used_for_an_unhandled_error(client, settings):
    settings.DEBUG = False
    client.raise_request_exception = False

    response = client.get("/boom/")

    assert response.status_code == 500
    assert b"Something went wrong" in response.content
    assert b"kaboom" not in response.content
