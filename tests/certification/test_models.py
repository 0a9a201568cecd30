"""The user and LSP records: their named constraints hold in the database, and their helpers."""

from contextlib import contextmanager

import pytest
from django.apps import apps
from django.db import IntegrityError, connection, transaction

from certification.models import LSP, User
from tests import factories

pytestmark = pytest.mark.django_db

# Kept by hand on purpose: a new constraint makes the coverage test below fail until it is tested.
TESTED_CONSTRAINTS = {
    "user_email_ci_unique",
    "user_email_not_blank",
    "lsp_single_record",
    "lsp_singleton_true",
    "lsp_name_not_blank",
    # Tested in test_appeal_models.py.
    "appeal_reason_not_blank",
    "appeal_status_valid",
    "appeal_one_open_per_assessment",
    "appeal_handled_has_reviewer",
    "appeal_ruling_explained",
    # Tested in test_certificate_models.py.
    "number_sequence_once_per_year",
    "decision_letter_number_unique",
    "decision_letter_sequence_unique",
    "decision_letter_number_not_blank",
    "decision_outcome_valid",
    "decision_recommendation_valid",
    "decision_basis_not_blank",
    "decision_certified_needs_k",
    "certificate_number_unique",
    "certificate_sequence_unique",
    "certificate_token_unique",
    "certificate_bnsp_number_unique",
    "certificate_blank_number_unique",
    "certificate_number_not_blank",
    "certificate_token_not_blank",
    "certificate_valid_after_issue",
    "certificate_state_valid",
    "certificate_change_reason_not_blank",
    "certificate_change_to_state_valid",
    "complaint_text_not_blank",
    "complaint_name_not_blank",
    "complaint_status_valid",
    "complaint_handled_has_handler",
    "complaint_answered_has_answer",
}


@contextmanager
def refused(constraint: str):
    """Expect the database to refuse the write, naming ``constraint`` where the backend does."""
    with pytest.raises(IntegrityError) as info, transaction.atomic():
        yield
    message = str(info.value)
    if connection.vendor == "postgresql" or "CHECK constraint" in message:
        assert constraint in message


def test_every_named_constraint_has_a_test():
    names = {
        constraint.name
        for model in apps.get_app_config("certification").get_models()
        for constraint in model._meta.constraints
    }
    assert names == TESTED_CONSTRAINTS


def _raw_user(email: str) -> User:
    # Bypasses the manager, which lower-cases addresses, to reach the database as a form might.
    user = User(email=email, full_name="Budi Santoso")
    user.save()
    return user


def test_user_email_is_unique_whatever_its_case():
    _raw_user("budi@example.test")
    for other_case in ["Budi@Example.test", "BUDI@EXAMPLE.TEST"]:
        with refused("user_email_ci_unique"):
            _raw_user(other_case)
    assert _raw_user("budi.santoso@example.test").pk


def test_user_email_cannot_be_blank():
    with refused("user_email_not_blank"):
        _raw_user("")
    assert _raw_user("b@example.test").pk


def test_the_manager_stores_email_in_lower_case():
    user = User.objects.create_user("Siti@Example.TEST", "rahasia-panjang-1", full_name="Siti")
    assert user.email == "siti@example.test"


def test_there_is_only_one_lsp_record():
    LSP.objects.create(name="LSP Teknologi Digital")
    with refused("lsp_single_record"):
        LSP.objects.create(name="LSP Kedua")
    assert LSP.objects.count() == 1


def test_lsp_singleton_flag_is_always_true():
    with refused("lsp_singleton_true"):
        LSP.objects.create(name="LSP Tanpa Tanda", singleton=False)
    assert LSP.objects.create(name="LSP Bertanda").singleton is True


def test_lsp_name_cannot_be_blank():
    with refused("lsp_name_not_blank"):
        LSP.objects.create(name="")
    assert LSP.objects.create(name="LSP Kompeten").pk


def test_lsp_load_gives_an_unsaved_default_before_the_record_exists():
    lsp = LSP.load()
    assert lsp.pk is None
    assert lsp.name == "LSP Kompeten"


def test_saving_the_lsp_refreshes_the_cached_record():
    lsp = LSP.objects.create(name="LSP Lama")
    assert LSP.load().name == "LSP Lama"
    lsp.name = "LSP Baru"
    lsp.save()
    assert LSP.load().name == "LSP Baru"


def test_form_label_defaults_to_bnsp_2020_and_takes_the_lsp_override():
    lsp = LSP(form_labels={"apl01": {"code": "FR-APL-01"}})
    assert lsp.form_label("apl01") == {
        "code": "FR-APL-01",
        "title": "Permohonan Sertifikasi Kompetensi",
    }
    assert lsp.form_label("ak01") == {
        "code": "FR.AK.01",
        "title": "Persetujuan Asesmen dan Kerahasiaan",
    }


def test_roles_list_only_the_roles_a_user_holds():
    user = factories.AssessorUserFactory(is_lsp_admin=True)
    assert user.roles == [User.Role.ASSESSOR, User.Role.LSP_ADMIN]
    assert user.has_role("assessor")
    assert not user.has_role("candidate")
    assert not user.has_role("superuser")
