"""Cached fragments of the FR.IA.01 page (assessments/fragments.py): a block is reused only while
everything it prints is unchanged, and the CSRF token in it is always the request's own."""

import re

import pytest
from django.conf import settings
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

from assessments import fragments
from assessments.models import Assessment, Observation
from schemes.models import Criterion
from tests import factories
from tests.factories import assessor_assessment

S = Assessment.State
pytestmark = pytest.mark.django_db
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _page(assessment):
    return reverse("assessments:assess_observe", args=[assessment.pk])


def _criteria(assessment):
    return list(
        Criterion.objects.filter(
            element__unit__scheme_units__group__version=assessment.scheme_version
        ).order_by("element__unit_id", "element__number", "position")
    )


def _entries(fragment: str, alias: str = fragments.CACHE_ALIAS) -> int:
    """How many blocks named ``fragment`` the cache ``alias`` holds."""
    return sum(f"template.cache.{fragment}." in key for key in caches[alias]._cache)


def _without_tokens(html: str) -> str:
    return re.sub(r"[A-Za-z0-9]{64}", "TOKEN", html)


@pytest.fixture
def assessment(assessor):
    return assessor_assessment(S.PREPARED, assessor=assessor)


@pytest.fixture
def client_as(client, assessor):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(assessor)
    return client


def test_a_second_load_is_served_from_the_cache_and_prints_the_same(client_as, assessment):
    first = client_as.get(_page(assessment)).content.decode()
    assert _entries("ia01-unit") == 2  # one block per unit of the 2-unit scheme

    second = client_as.get(_page(assessment)).content.decode()

    assert _entries("ia01-unit") == 2
    assert _without_tokens(second) == _without_tokens(first)


def test_a_new_answer_note_or_recorder_name_is_shown_at_once(client_as, assessment, assessor):
    kuk = _criteria(assessment)[0]
    client_as.get(_page(assessment))

    observation = Observation.objects.create(
        assessment=assessment, criterion=kuk, achieved=True, recorded_by=assessor
    )
    html = client_as.get(_page(assessment)).content.decode()
    assert re.search(rf'data-criterion="{kuk.pk}" data-answer="ya"', html)

    Observation.objects.filter(pk=observation.pk).update(note="Ulangi pengukuran")
    assert "Ulangi pengukuran" in client_as.get(_page(assessment)).content.decode()

    # Recorded by someone else: their name is printed, and follows a change of name.
    other = type(assessor).objects.create_user(
        email="lead@example.com", password="x", full_name="Rina Lead"
    )
    Observation.objects.filter(pk=observation.pk).update(recorded_by=other)
    assert "Rina Lead" in client_as.get(_page(assessment)).content.decode()
    type(assessor).objects.filter(pk=other.pk).update(full_name="Rina Utama")
    html = client_as.get(_page(assessment)).content.decode()
    assert "Rina Utama" in html
    assert "Rina Lead" not in html


def test_each_language_gets_its_own_blocks(client_as, assessment):
    assert "Follow-up note" in client_as.get(_page(assessment)).content.decode()

    client_as.cookies[settings.LANGUAGE_COOKIE_NAME] = "id"
    html = client_as.get(_page(assessment)).content.decode()

    assert "Follow-up note" not in html
    assert "Catatan tindak lanjut" in html


def test_every_token_is_the_requests_own_and_a_cached_row_posts(assessor, assessment):
    """Two browsers of the same assessor: the second is served the first one's cached blocks,
    with its own token in them, and a row posted with that token passes the CSRF check."""
    browsers = []
    for _ in range(2):
        browser = Client(enforce_csrf_checks=True)
        browser.force_login(assessor)
        html = browser.get(_page(assessment)).content.decode()
        tokens = set(TOKEN.findall(html))
        assert len(tokens) == 1
        assert str(fragments.CSRF_MARKER) not in html
        browsers.append((browser, tokens.pop()))
    (first, first_token), (second, second_token) = browsers
    assert (
        first.cookies[settings.CSRF_COOKIE_NAME].value
        != second.cookies[settings.CSRF_COOKIE_NAME].value
    )

    kuk = _criteria(assessment)[0]
    save = reverse("assessments:assess_observe_kuk", args=[assessment.pk, kuk.pk])
    posted = {"version": "0", "achieved": "ya", "note": ""}
    refused = second.post(save, {**posted, "csrfmiddlewaretoken": "x" * 64})
    assert refused.status_code == 403
    response = second.post(save, {**posted, "csrfmiddlewaretoken": second_token})
    assert response.status_code == 302
    assert Observation.objects.get(assessment=assessment, criterion=kuk).achieved is True


def test_a_read_only_checklist_is_not_served_the_editable_blocks(client_as, assessment):
    assert 'hx-post="' in client_as.get(_page(assessment)).content.decode()

    Assessment.objects.filter(pk=assessment.pk).update(state=S.RECOMMENDED)

    assert 'hx-post="' not in client_as.get(_page(assessment)).content.decode()


# --- the assessor's event matrix ----------------------------------------------------------------


def _matrix(client, event) -> str:
    response = client.get(reverse("assessments:event_detail", args=[event.pk]))
    assert response.status_code == 200
    return response.content.decode()


def _matrix_row(html: str, assessment) -> str:
    start = html.index(f'id="candidate-{assessment.pk}"')
    return html[start : html.index("</tr>", start)]


def test_matrix_rows_follow_every_change_they_print(client_as, assessor):
    event, (first, second) = factories.event_with_candidates(
        assessor=assessor,
        states=[S.PREPARED, S.PREPARED],
        scheme_version=factories.make_scheme_version(units=2, elements=1, criteria=2),
    )
    html = _matrix(client_as, event)
    assert _entries("event-matrix-row") == 2
    assert _without_tokens(_matrix(client_as, event)) == _without_tokens(html)

    kuk = Criterion.objects.filter(
        element__unit__scheme_units__group__version=event.scheme_version
    ).first()
    Observation.objects.create(assessment=first, criterion=kuk, achieved=True, recorded_by=assessor)
    type(assessor).objects.filter(pk=second.candidate_id).update(full_name="Budi Baru")
    html = _matrix(client_as, event)

    assert ">1/2<" in _matrix_row(html, first)
    assert "Budi Baru" in _matrix_row(html, second)

    Assessment.objects.filter(pk=first.pk).update(state=S.RECOMMENDED)
    row = _matrix_row(_matrix(client_as, event), first)
    assert "Recommended" in row
    assert reverse("assessments:assess_report", args=[first.pk]) in row

    client_as.cookies[settings.LANGUAGE_COOKIE_NAME] = "id"
    assert "Recommended" not in _matrix_row(_matrix(client_as, event), first)


# --- the decision maker's decision page ----------------------------------------------------------


def test_decision_page_units_follow_every_change_they_print(client, decision_maker):
    from assessments.models import QuestionRecord, UnitDecision

    assessment = factories.reported_with_units(units=2, outcomes=["K", "BK"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(decision_maker)
    url = reverse("decision_detail", args=[assessment.pk])

    first = client.get(url).content.decode()
    assert _entries("decision-unit") == 2
    assert _without_tokens(client.get(url).content.decode()) == _without_tokens(first)
    assert "Elemen 2 belum ditunjukkan." in first

    UnitDecision.objects.filter(assessment=assessment, outcome="BK").update(
        reason="Tidak dapat menunjukkan prosedur K3."
    )
    html = client.get(url).content.decode()
    assert "Tidak dapat menunjukkan prosedur K3." in html
    assert "Elemen 2 belum ditunjukkan." not in html

    decision = UnitDecision.objects.get(assessment=assessment, outcome="K")
    QuestionRecord.objects.create(
        assessment=assessment,
        unit_id=decision.unit_id,
        instrument="ia07",
        question="Sebutkan alat pelindung diri yang wajib dipakai.",
        answer="Helm dan sepatu keselamatan",
        achieved=True,
        recorded_by=assessment.assessor,
    )
    html = client.get(url).content.decode()
    assert "Sebutkan alat pelindung diri yang wajib dipakai." in html
    QuestionRecord.objects.filter(assessment=assessment).update(answer="Sarung tangan")
    assert "Answer: Sarung tangan" in client.get(url).content.decode()


# --- the navigation bar and the CSRF marker ---------------------------------------------------


def test_the_navigation_follows_the_user_the_page_and_the_language(client, assessor):
    from certification.models import LSP

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(assessor)
    home = reverse("assessments:assessor_home")
    html = client.get(home).content.decode()
    assert _entries("navbar", "layout") == 1
    assert _entries("navbar") == 0
    assert assessor.full_name in html
    assert "My applications" not in html
    assert f'name="next" value="{home}"' in html

    users = type(assessor).objects.filter(pk=assessor.pk)
    users.update(full_name="Asesor Berganti Nama")
    name_in_menu = '<span class="text-truncate user-name">Asesor Berganti Nama</span>'
    assert name_in_menu in client.get(home).content.decode()
    users.update(is_candidate=True)
    assert "My applications" in client.get(home).content.decode()
    lsp = LSP.load()
    lsp.name = "LSP Teknik Nusantara"
    lsp.save()
    assert "LSP Teknik Nusantara" in client.get(home).content.decode()

    other_page = reverse("two_factor")
    html = client.get(other_page).content.decode()
    assert f'name="next" value="{other_page}"' in html
    assert f'name="next" value="{home}"' not in html

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "id"
    assert "Keluar" in client.get(home).content.decode()


def test_a_cached_navigation_signs_out_each_browser_with_its_own_token(assessor):
    browsers = []
    for _ in range(2):
        browser = Client(enforce_csrf_checks=True)
        browser.force_login(assessor)
        html = browser.get(reverse("two_factor")).content.decode()
        assert str(fragments.CSRF_MARKER) not in html
        tokens = set(TOKEN.findall(html))
        assert len(tokens) == 1
        browsers.append((browser, tokens.pop()))
    (first, first_token), (second, second_token) = browsers

    assert second.post(reverse("logout"), {"csrfmiddlewaretoken": "y" * 64}).status_code == 403
    assert second.post(reverse("logout"), {"csrfmiddlewaretoken": second_token}).status_code == 302
    assert "_auth_user_id" not in second.session
    assert "_auth_user_id" in first.session


def test_the_marker_is_left_alone_outside_html(rf):
    from django.http import HttpResponse, StreamingHttpResponse

    marker = str(fragments.CSRF_MARKER)
    request = rf.get("/")
    plain = fragments.CsrfMarkerMiddleware(
        lambda r: HttpResponse(marker, content_type="text/plain")
    )(request)
    assert plain.content.decode() == marker
    streamed = fragments.CsrfMarkerMiddleware(
        lambda r: StreamingHttpResponse([marker], content_type="text/html")
    )(request)
    assert b"".join(streamed.streaming_content).decode() == marker
    page = fragments.CsrfMarkerMiddleware(
        lambda r: HttpResponse(f"<p>{marker}</p>", content_type="text/html; charset=utf-8")
    )(request)
    assert marker not in page.content.decode()
    assert len(page.content.decode()) == len("<p></p>") + 64
