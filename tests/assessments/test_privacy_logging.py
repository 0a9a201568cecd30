"""No NIK, password or session id in the logs (UU PDP 27/2022)."""

import io
import logging
import sys

import pytest
from django.urls import reverse

from assessments.log_filters import RedactNIKFilter, redact
from tests import factories

NIK = "3201234567890001"


def _record(msg: str, *args, exc_info=None) -> logging.LogRecord:
    return logging.LogRecord("kompeten", logging.WARNING, __file__, 1, msg, args, exc_info)


def test_a_nik_like_number_is_masked_but_other_numbers_are_kept():
    text = f"NIK {NIK}, phone 081234567890, 17 digits 32012345678900011, 15 digits 320123456789000"
    assert redact(text) == (
        "NIK 3201********0001, phone 081234567890, 17 digits 32012345678900011, "
        "15 digits 320123456789000"
    )


def test_the_filter_masks_the_message_with_its_arguments_merged():
    record = _record("profile saved for %s (%d)", NIK, 7)
    assert RedactNIKFilter().filter(record) is True
    assert record.getMessage() == "profile saved for 3201********0001 (7)"


def test_the_filter_masks_a_nik_inside_a_traceback():
    try:
        raise ValueError(f"bad NIK {NIK}")
    except ValueError:
        record = _record("failed", exc_info=sys.exc_info())
    RedactNIKFilter().filter(record)
    formatted = logging.Formatter().format(record)
    assert NIK not in formatted
    assert "3201********0001" in formatted


def test_the_console_handler_of_the_project_carries_the_filter():
    handlers = logging.getLogger().handlers
    assert any(isinstance(f, RedactNIKFilter) for handler in handlers for f in handler.filters), (
        handlers
    )


def test_a_nik_logged_anywhere_reaches_the_console_masked():
    handler = next(
        h
        for h in logging.getLogger().handlers
        if any(isinstance(f, RedactNIKFilter) for f in h.filters)
    )
    logger = logging.getLogger("kompeten.test")
    logger.addHandler(handler)
    logger.propagate = False
    stream = handler.setStream(io.StringIO())
    try:
        logger.warning("lookup of %s failed", NIK)
    finally:
        written = handler.setStream(stream).getvalue()
        logger.removeHandler(handler)
        logger.propagate = True
    assert written == "lookup of 3201********0001 failed\n"


@pytest.mark.django_db
def test_signing_in_and_saving_a_profile_logs_no_password_session_id_or_nik(client, caplog):
    password = "Rahasia-Sekali-42"  # noqa: S105
    user = factories.UserFactory(email="dina@example.test", is_candidate=True)
    user.set_password(password)
    user.save()
    caplog.set_level(logging.DEBUG)

    client.post(reverse("login"), {"username": user.email, "password": password + "x"})
    client.post(reverse("login"), {"username": user.email, "password": password})
    session_key = client.session.session_key
    client.force_login(user)
    client.post(
        reverse("assessments:profile"),
        {"nik": NIK, "birth_place": "Bandung", "birth_date": "1990-01-01", "sex": "X"},
    )

    assert session_key
    # Records as emitted, before any handler's filter: no code logs these at all.
    logged = caplog.text + " ".join(str(r.args) for r in caplog.records)
    assert password not in logged
    assert session_key not in logged
    assert NIK not in logged
