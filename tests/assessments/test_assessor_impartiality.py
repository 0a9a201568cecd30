"""Impartiality per event: before any candidate data is shown the assessor declares, against the
candidates' names and employers, any relationship; a conflict hides that candidate and tells
the LSP admins; the declaration is made once."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from assessments import selectors, services
from assessments.models import (
    Assessment,
    AssessorProfile,
    ImpartialityDeclaration,
    Notification,
)
from tests import factories

pytestmark = pytest.mark.django_db
S = Assessment.State
Rel = ImpartialityDeclaration.Relationship


@pytest.fixture(autouse=True)
def _english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def _url(event) -> str:
    return reverse("assessments:event_impartiality", args=[event.pk])


def _undeclared_event(assessor, states=(S.SCHEDULED, S.CLEARED), **kwargs):
    return factories.event_with_candidates(
        assessor=assessor,
        states=list(states),
        declare=False,
        institutions=["PT Solusi Data Nusantara", ""],
        **kwargs,
    )


def _payload(assessments, overrides: dict | None = None) -> dict:
    data = {}
    for a in assessments:
        relationship, note = (overrides or {}).get(a.pk, ("none", ""))
        data[f"relationship_{a.pk}"] = relationship
        data[f"note_{a.pk}"] = note
    return data


# --- the page ---------------------------------------------------------------------------------


def test_the_form_shows_only_names_and_employers(client, assessor):
    event, (a, b) = _undeclared_event(assessor)
    client.force_login(assessor)
    response = client.get(_url(event))
    assert response.status_code == 200
    html = response.content.decode()
    main = html[html.index('id="main"') : html.index("</main>")]
    assert a.candidate.full_name in main and "PT Solusi Data Nusantara" in main
    assert b.candidate.full_name in main and "No employer given" in main
    profile = a.candidate.candidate_profile
    for private in (a.candidate.email, profile.nik, profile.phone, profile.address):
        assert private not in main
    # No state, no step, no unit: nothing of the record yet.
    for hidden in ("Scheduled", "Cleared to proceed", 'id="event-matrix"', "assess/"):
        assert hidden not in main
    assert f'name="relationship_{a.pk}"' in main and f'name="note_{b.pk}"' in main


def test_declaring_no_relationship_for_all_opens_the_event_page(client, assessor):
    event, assessments = _undeclared_event(assessor)
    client.force_login(assessor)
    response = client.post(_url(event), _payload(assessments))
    assert response.status_code == 302
    assert response["Location"] == reverse("assessments:event_detail", args=[event.pk])
    declarations = ImpartialityDeclaration.objects.filter(assessor=assessor, event=event)
    assert declarations.count() == 2
    assert set(declarations.values_list("relationship", flat=True)) == {"none"}
    assert declarations.first().history.first().history_user == assessor
    html = client.get(response["Location"]).content.decode()
    assert 'id="event-matrix"' in html
    assert "Your impartiality declaration is recorded." in html


def test_every_candidate_must_be_declared(client, assessor):
    event, (a, b) = _undeclared_event(assessor)
    client.force_login(assessor)
    data = _payload([a, b])
    data[f"relationship_{b.pk}"] = ""
    response = client.post(_url(event), data)
    assert response.status_code == 200
    assert "Choose a relationship." in response.content.decode()
    assert not ImpartialityDeclaration.objects.exists()


def test_a_relationship_needs_a_note(client, assessor):
    event, (a, b) = _undeclared_event(assessor)
    client.force_login(assessor)
    response = client.post(_url(event), _payload([a, b], {a.pk: ("family", "  ")}))
    assert response.status_code == 200
    assert "Describe the relationship you declare." in response.content.decode()
    assert not ImpartialityDeclaration.objects.exists()


def test_a_conflict_hides_the_candidate_and_notifies_the_admins(client, assessor, admin_user):
    event, (a, b) = _undeclared_event(assessor)
    client.force_login(assessor)
    response = client.post(
        _url(event), _payload([a, b], {a.pk: ("employer", "Dia bawahan saya di kantor")})
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "You declared a conflict of interest with 1 candidate" in page
    assert a.candidate.full_name not in page and b.candidate.full_name in page
    assert "1 candidate is hidden" in page
    notice = Notification.objects.get(recipient=admin_user)
    assert notice.title == "Conflict of interest declared"
    assert a.candidate.full_name in notice.body and event.code in notice.body
    assert b.candidate.full_name not in notice.body
    assert not Notification.objects.filter(recipient=assessor).exists()
    # The candidate's assessment pages are closed to this assessor too.
    with pytest.raises(Exception) as caught:
        selectors.assessor_assessment(assessor, a.pk)
    assert caught.type.__name__ == "Http404"


def test_the_declaration_is_made_once(client, assessor):
    event, assessments = _undeclared_event(assessor)
    client.force_login(assessor)
    client.post(_url(event), _payload(assessments))
    response = client.get(_url(event))
    assert response.status_code == 302
    assert response["Location"] == reverse("assessments:event_detail", args=[event.pk])
    # A second POST (another tab) changes nothing.
    response = client.post(
        _url(event), _payload(assessments, {assessments[0].pk: ("family", "Sepupu")})
    )
    assert response.status_code == 302
    assert set(
        ImpartialityDeclaration.objects.filter(assessor=assessor).values_list(
            "relationship", flat=True
        )
    ) == {"none"}
    assert ImpartialityDeclaration.objects.count() == 2


def test_a_candidate_added_later_is_declared_on_its_own(client, assessor):
    event, (a,) = _undeclared_event(assessor, states=[S.CLEARED])
    client.force_login(assessor)
    client.post(_url(event), _payload([a]))
    _other, (late,) = factories.event_with_candidates(
        assessor=assessor,
        states=[S.SCHEDULED],
        declare=False,
        scheme_version=event.scheme_version,
    )
    Assessment.objects.filter(pk=late.pk).update(event=event)
    response = client.get(reverse("assessments:event_detail", args=[event.pk]))
    assert response["Location"] == _url(event)
    html = client.get(_url(event)).content.decode()
    assert f'name="relationship_{late.pk}"' in html
    assert f'name="relationship_{a.pk}"' not in html
    client.post(_url(event), _payload([late]))
    assert ImpartialityDeclaration.objects.filter(assessor=assessor).count() == 2


def test_an_expired_licence_shows_the_reason_without_the_form_or_names(client, assessor):
    event, (a, b) = _undeclared_event(assessor)
    AssessorProfile.objects.filter(user=assessor).update(
        licence_valid_until=timezone.localdate(event.starts_at, event.tuk.tzinfo)
        - datetime.timedelta(days=1)
    )
    client.force_login(assessor)
    html = client.get(_url(event)).content.decode()
    assert "Your licence is not valid on the assessment date." in html
    main = html[html.index('id="main"') : html.index("</main>")]
    assert "<form" not in main and a.candidate.full_name not in main
    response = client.post(_url(event), _payload([a, b]))
    assert response.status_code == 302
    assert not ImpartialityDeclaration.objects.exists()


def test_another_assessor_cannot_declare_for_my_event(client, assessor, other_assessor):
    event, assessments = _undeclared_event(assessor)
    client.force_login(other_assessor)
    assert client.post(_url(event), _payload(assessments)).status_code == 404
    assert not ImpartialityDeclaration.objects.exists()


# --- the service ------------------------------------------------------------------------------


def test_service_refuses_an_incomplete_declaration(assessor):
    event, (a, _b) = _undeclared_event(assessor)
    with pytest.raises(ValidationError) as caught:
        services.impartiality_declare(
            event_id=event.pk, actor=assessor, declarations={a.pk: ("none", "")}
        )
    assert caught.value.code == "incomplete"
    assert not ImpartialityDeclaration.objects.exists()


def test_service_refuses_someone_elses_candidate(assessor, other_assessor):
    event, (a, b) = _undeclared_event(assessor)
    _e, (theirs,) = factories.event_with_candidates(assessor=other_assessor, states=[S.CLEARED])
    with pytest.raises(PermissionDenied):
        services.impartiality_declare(
            event_id=event.pk,
            actor=assessor,
            declarations={a.pk: ("none", ""), b.pk: ("none", ""), theirs.pk: ("none", "")},
        )
    assert not ImpartialityDeclaration.objects.filter(assessor=assessor).exists()


def test_service_refuses_an_assessor_not_assigned(assessor, other_assessor):
    event, assessments = _undeclared_event(assessor)
    with pytest.raises(PermissionDenied):
        services.impartiality_declare(
            event_id=event.pk,
            actor=other_assessor,
            declarations={a.pk: ("none", "") for a in assessments},
        )


def test_service_refuses_an_unknown_relationship_and_saves_nothing(assessor):
    event, (a, b) = _undeclared_event(assessor)
    with pytest.raises(ValidationError) as caught:
        services.impartiality_declare(
            event_id=event.pk,
            actor=assessor,
            declarations={a.pk: ("none", ""), b.pk: ("friend", "teman lama")},
        )
    assert caught.value.code == "relationship"
    assert not ImpartialityDeclaration.objects.exists()


@pytest.mark.parametrize("expire", ["licence", "scope"])
def test_service_refuses_when_the_assessor_may_not_act(assessor, expire):
    event, assessments = _undeclared_event(assessor, in_scope=expire != "scope")
    if expire == "licence":
        AssessorProfile.objects.filter(user=assessor).update(
            licence_valid_until=timezone.localdate() - datetime.timedelta(days=1)
        )
    with pytest.raises(PermissionDenied):
        services.impartiality_declare(
            event_id=event.pk,
            actor=assessor,
            declarations={a.pk: ("none", "") for a in assessments},
        )
    assert not ImpartialityDeclaration.objects.exists()


def test_service_skips_pairings_already_declared(assessor):
    event, (a, b) = _undeclared_event(assessor)
    services.impartiality_declare(
        event_id=event.pk, actor=assessor, declarations={a.pk: ("none", ""), b.pk: ("none", "")}
    )
    created = services.impartiality_declare(
        event_id=event.pk,
        actor=assessor,
        declarations={a.pk: ("family", "Adik"), b.pk: ("none", "")},
    )
    assert created == []
    assert ImpartialityDeclaration.objects.get(assessment=a).relationship == Rel.NONE


def test_service_counts_a_pairing_declared_in_another_event_as_done(assessor):
    """A candidate moved between two events of the same assessor keeps the one declaration
    (the pairing is unique): the new event does not ask again, nor crash on the constraint."""
    event, (a,) = _undeclared_event(assessor, states=[S.CLEARED])
    services.impartiality_declare(
        event_id=event.pk, actor=assessor, declarations={a.pk: ("none", "")}
    )
    other, (b,) = _undeclared_event(
        assessor, states=[S.CLEARED], scheme_version=event.scheme_version
    )
    Assessment.objects.filter(pk=a.pk).update(event=other)
    created = services.impartiality_declare(
        event_id=other.pk, actor=assessor, declarations={b.pk: ("none", "")}
    )
    assert [d.assessment_id for d in created] == [b.pk]


def test_the_admins_notice_names_every_conflicted_candidate(assessor, admin_user):
    event, (a, b) = _undeclared_event(assessor)
    c = factories.event_with_candidates(
        assessor=assessor, states=[S.CLEARED], declare=False, scheme_version=event.scheme_version
    )[1][0]
    Assessment.objects.filter(pk=c.pk).update(event=event)
    services.impartiality_declare(
        event_id=event.pk,
        actor=assessor,
        declarations={
            a.pk: ("trainer", "Murid saya"),
            b.pk: ("none", ""),
            c.pk: ("other", "Tetangga"),
        },
    )
    notice = Notification.objects.get(recipient=admin_user)
    assert "2 candidate(s)" in notice.body
    assert a.candidate.full_name in notice.body and c.candidate.full_name in notice.body
    assert b.candidate.full_name not in notice.body
