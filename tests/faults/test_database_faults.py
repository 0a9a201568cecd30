"""PostgreSQL faults: the request's own connection killed mid-request (pg_terminate_backend from
another connection) gives the friendly 500 page and leaves nothing half written; two writers on
one assessment's state at once never both win."""

import threading

import psycopg
import pytest
from django.db import connection
from django.db.models.signals import post_save
from django.test import Client
from django.urls import reverse

from assessments import services
from assessments.models import Assessment, OutboxMessage
from assessments.services.transitions import TransitionRefused
from certification.models import User
from tests import factories
from tests.worker_utils import database_url

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.xdist_group("faults"),
    pytest.mark.django_db(transaction=True),
]

PASSWORD = "tenun-ikat-Flores-2026"


def test_a_connection_lost_in_the_middle_of_a_request_gives_the_500_page_and_writes_nothing():
    terminated = []

    def kill_own_connection(sender, instance, **kwargs):
        # The user row is written: now lose the connection before commit.
        pid = connection.connection.info.backend_pid
        with psycopg.connect(database_url(connection.settings_dict), autocommit=True) as other:
            other.execute("SELECT pg_terminate_backend(%s, 5000)", [pid])
        terminated.append(pid)

    client = Client(raise_request_exception=False)
    client.cookies["django_language"] = "en"
    post_save.connect(kill_own_connection, sender=User, dispatch_uid="faults-kill")
    try:
        response = client.post(
            reverse("register"),
            {
                "email": "putus@example.test",
                "full_name": "Putus Koneksi",
                "password1": PASSWORD,
                "password2": PASSWORD,
                "consent": "on",
            },
        )
    finally:
        post_save.disconnect(sender=User, dispatch_uid="faults-kill")

    assert terminated, "the view never saved the user"
    assert response.status_code == 500
    assert b"Something went wrong" in response.content
    assert b"Traceback" not in response.content and b"OperationalError" not in response.content
    # A new connection sees nothing of the request: no user, no queued mail.
    assert connection.connection is None or connection.connection.info.backend_pid != terminated[0]
    assert not User.objects.filter(email="putus@example.test").exists()
    assert not OutboxMessage.objects.exists()


def test_two_admins_deciding_one_application_at_once_never_both_win():
    assessment = factories.assessment_in_state(Assessment.State.SUBMITTED)
    admins = [factories.AdminUserFactory(), factories.AdminUserFactory()]
    decisions = [services.assessment_accept, services.assessment_reject]
    barrier = threading.Barrier(2)
    won, refused, errors = [], [], []

    def decide(decision, admin):
        try:
            barrier.wait()
            decision(assessment_id=assessment.pk, actor=admin, note=decision.__name__)
            won.append(decision)
        except TransitionRefused:
            refused.append(decision)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    pairs = zip(decisions, admins, strict=True)
    threads = [threading.Thread(target=decide, args=pair) for pair in pairs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert errors == []
    assert len(won) == 1 and len(refused) == 1
    assessment.refresh_from_db()
    expected = {
        services.assessment_accept: Assessment.State.ACCEPTED,
        services.assessment_reject: Assessment.State.REJECTED,
    }[won[0]]
    assert assessment.state == expected
    # One decision in the audit trail, not two with the later one overwriting the first.
    decided = assessment.history.filter(
        state__in=[Assessment.State.ACCEPTED, Assessment.State.REJECTED]
    )
    assert decided.count() == 1
