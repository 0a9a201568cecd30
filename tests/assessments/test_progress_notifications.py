"""The notifications page: unread first, mark one or all read, htmx fragments, navbar count."""

import datetime
import re

import pytest
from django.db import connection
from django.template import Context, Template
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments.models import Notification

pytestmark = pytest.mark.django_db
LIST = reverse("assessments:notifications")
READ_ALL = reverse("assessments:notifications_read_all")


@pytest.fixture(autouse=True)
def _english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def _read_url(notification: Notification) -> str:
    return reverse("assessments:notification_read", args=[notification.pk])


def _note(user, title: str, *, days_ago: int = 0, read: bool = False, url: str = ""):
    created = timezone.now() - datetime.timedelta(days=days_ago)
    return Notification.objects.create(
        recipient=user, title=title, created_at=created, read_at=created if read else None, url=url
    )


def test_unread_notifications_come_first_then_the_newest(client, candidate):
    _note(candidate, "Dibaca baru", days_ago=0, read=True)
    _note(candidate, "Belum dibaca lama", days_ago=5)
    _note(candidate, "Belum dibaca baru", days_ago=1)
    _note(candidate, "Dibaca lama", days_ago=9, read=True)
    client.force_login(candidate)
    html = client.get(LIST).content.decode()
    order = [
        html.index(t)
        for t in ("Belum dibaca baru", "Belum dibaca lama", "Dibaca baru", "Dibaca lama")
    ]
    assert order == sorted(order)
    assert html.count('data-unread="1"') == 2


def test_the_page_shows_only_the_users_own_notifications(client, candidate, other_candidate):
    _note(other_candidate, "Punya Bob")
    _note(candidate, "Punya Alice")
    client.force_login(candidate)
    html = client.get(LIST).content.decode()
    assert "Punya Alice" in html and "Punya Bob" not in html


def test_the_page_is_paginated_with_constant_queries(
    client, candidate, django_assert_max_num_queries
):
    for i in range(3):
        _note(candidate, f"Pemberitahuan {i}")
    client.force_login(candidate)
    client.get(LIST)
    with CaptureQueriesContext(connection) as few:
        client.get(LIST)
    for i in range(40):
        _note(candidate, f"Lagi {i}")
    with django_assert_max_num_queries(len(few) + 1):  # + the paginator's count
        response = client.get(LIST)
    assert response.content.decode().count("data-unread=") == 25
    assert "Lagi" in client.get(LIST + "?page=2").content.decode()


def test_marking_one_read_leaves_the_others(client, candidate):
    first, second = _note(candidate, "Satu"), _note(candidate, "Dua")
    client.force_login(candidate)
    response = client.post(_read_url(first))
    assert response.status_code == 302 and response["Location"] == LIST
    first.refresh_from_db(), second.refresh_from_db()
    assert first.read_at is not None and second.read_at is None


def test_marking_one_read_by_htmx_returns_the_item_and_a_trigger(client, candidate):
    note = _note(candidate, "Satu")
    client.force_login(candidate)
    response = client.post(_read_url(note), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith(f'<li class="list-group-item py-3" id="notification-{note.pk}"')
    assert 'data-unread="0"' in html and "Mark as read" not in html
    assert response["HX-Trigger"] == "notificationsChanged"


def test_opening_a_notification_marks_it_read_and_follows_its_link(client, candidate):
    note = _note(candidate, "Jadwal", url="/assessments/")
    client.force_login(candidate)
    response = client.post(_read_url(note), {"open": "1"})
    assert response.status_code == 302 and response["Location"] == "/assessments/"
    note.refresh_from_db()
    assert note.read_at is not None


def test_someone_elses_notification_is_a_404_and_stays_unread(client, candidate, other_candidate):
    theirs = _note(other_candidate, "Punya Bob")
    client.force_login(candidate)
    assert client.post(_read_url(theirs)).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_marking_read_needs_post(client, candidate):
    note = _note(candidate, "Satu")
    client.force_login(candidate)
    assert client.get(_read_url(note)).status_code == 405
    assert client.get(READ_ALL).status_code == 405
    note.refresh_from_db()
    assert note.read_at is None


def test_mark_all_read(client, candidate, other_candidate):
    _note(candidate, "Satu"), _note(candidate, "Dua")
    theirs = _note(other_candidate, "Punya Bob")
    client.force_login(candidate)
    response = client.post(READ_ALL, follow=True)
    assert "All notifications are marked as read." in response.content.decode()
    assert not Notification.objects.filter(recipient=candidate).unread().exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_read_by_htmx_returns_the_list(client, candidate):
    _note(candidate, "Satu")
    client.force_login(candidate)
    response = client.post(READ_ALL, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="notification-list">')
    assert 'data-unread="1"' not in html and "Satu" in html
    assert response["HX-Trigger"] == "notificationsChanged"


def test_an_htmx_get_returns_only_the_list(client, candidate):
    _note(candidate, "Satu")
    client.force_login(candidate)
    html = client.get(LIST, HTTP_HX_REQUEST="true").content.decode()
    assert html.lstrip().startswith('<div id="notification-list">') and "<html" not in html


def test_anonymous_visitors_are_sent_to_sign_in(client, candidate):
    note = _note(candidate, "Satu")
    for response in (client.get(LIST), client.post(_read_url(note)), client.post(READ_ALL)):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    note.refresh_from_db()
    assert note.read_at is None


def test_the_badge_counts_unread_notifications(client, candidate):
    client.force_login(candidate)
    assert (
        "data-unread-count"
        not in client.get(reverse("assessments:notification_badge")).content.decode()
    )
    _note(candidate, "Satu"), _note(candidate, "Dua"), _note(candidate, "Lama", read=True)
    html = client.get(reverse("assessments:notification_badge")).content.decode()
    assert re.search(r'data-unread-count="2"', html)


def _render_nav(user) -> str:
    request = RequestFactory().get("/")
    request.user = user
    template = Template("{% load progress_tags %}{% notifications_nav_item %}")
    return template.render(Context({"request": request}))


def test_the_navbar_item_loads_the_unread_count_after_the_page(candidate, client):
    _note(candidate, "Satu")
    html = _render_nav(candidate)
    assert reverse("assessments:notifications") in html
    # The count comes from the badge endpoint (hx-trigger="load"), not from the page's queries.
    assert reverse("assessments:notification_badge") in html
    assert 'hx-trigger="load' in html
    client.force_login(candidate)
    badge = client.get(reverse("assessments:notification_badge"))
    assert 'data-unread-count="1"' in badge.content.decode()


def test_the_navbar_item_is_empty_for_anonymous_visitors():
    from django.contrib.auth.models import AnonymousUser

    assert _render_nav(AnonymousUser()).strip() == ""
