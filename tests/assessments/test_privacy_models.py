"""The NIK is encrypted at rest and found through a keyed hash; the privacy tables' constraints."""

import hashlib
from contextlib import contextmanager

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import FieldError, ImproperlyConfigured, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from assessments.fields import decrypt_text, encrypt_text, nik_lookup_hash
from assessments.models import CandidateProfile, ErasureRequest, RecordAccess
from tests import factories

pytestmark = pytest.mark.django_db

PRIVACY_CONSTRAINTS = {
    "record_access_what_valid",
    "erasure_one_pending_per_candidate",
    "erasure_done_has_handler",
}
TEST_NIK = "3201234567890001"


@contextmanager
def refused(constraint: str):
    with pytest.raises(IntegrityError) as info, transaction.atomic():
        yield
    message = str(info.value)
    if connection.vendor == "postgresql" or "CHECK constraint" in message:
        assert constraint in message


def _dump(table: str) -> str:
    """Every value of every row of ``table``, as a database dump would hold them."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table}")  # noqa: S608
        return "\n".join(" ".join(str(value) for value in row) for row in cursor.fetchall())


# --- encryption at rest --------------------------------------------------------------------------


def test_a_database_dump_does_not_contain_the_plain_nik():
    profile = factories.CandidateProfileFactory(nik=TEST_NIK)

    dump = _dump(CandidateProfile._meta.db_table)

    assert str(profile.pk) in dump
    assert TEST_NIK not in dump
    # Not even a plain, unkeyed hash of it (which anyone could compute for every NIK).
    assert hashlib.sha256(TEST_NIK.encode()).hexdigest() not in dump


def test_the_nik_reads_back_in_plain_text_and_the_hash_is_kept_in_step():
    profile = factories.CandidateProfileFactory(nik=TEST_NIK)

    fresh = CandidateProfile.objects.get(pk=profile.pk)
    assert fresh.nik == TEST_NIK
    assert fresh.nik_hash == nik_lookup_hash(TEST_NIK)

    fresh.nik = "3201234567890002"
    fresh.save()
    assert CandidateProfile.objects.get(nik_hash=nik_lookup_hash("3201234567890002")) == fresh


def test_the_hash_follows_the_nik_through_update_fields_and_bulk_create():
    profile = factories.CandidateProfileFactory(nik=TEST_NIK)
    profile.nik = "3201234567890003"
    profile.save(update_fields=["nik"])
    assert CandidateProfile.objects.get(pk=profile.pk).nik_hash == nik_lookup_hash(
        "3201234567890003"
    )

    user = factories.CandidateUserFactory()
    template = CandidateProfile.objects.get(pk=profile.pk)
    template.pk, template.user, template.nik = None, user, "3201234567890004"
    CandidateProfile.objects.bulk_create([template])
    assert CandidateProfile.objects.get(user=user).nik_hash == nik_lookup_hash("3201234567890004")


def test_full_clean_refuses_a_nik_already_registered():
    factories.CandidateProfileFactory(nik=TEST_NIK)
    twin = factories.CandidateProfileFactory.build(
        nik=TEST_NIK, user=factories.CandidateUserFactory()
    )
    with pytest.raises(ValidationError):
        twin.full_clean()


def test_the_same_nik_is_stored_as_a_different_ciphertext_each_time():
    profile = factories.CandidateProfileFactory(nik=TEST_NIK)
    table = CandidateProfile._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT nik FROM {table} WHERE id = %s", [profile.pk])  # noqa: S608
        first = cursor.fetchone()[0]
        profile.save()
        cursor.execute(f"SELECT nik FROM {table} WHERE id = %s", [profile.pk])  # noqa: S608
        second = cursor.fetchone()[0]
    assert first != second
    assert decrypt_text(first) == decrypt_text(second) == TEST_NIK


def test_filtering_on_the_encrypted_column_is_refused_not_silently_empty():
    factories.CandidateProfileFactory(nik=TEST_NIK)
    with pytest.raises(FieldError, match="encrypted"):
        CandidateProfile.objects.filter(nik=TEST_NIK).exists()
    assert CandidateProfile.objects.filter(nik__isnull=False).exists()


def test_the_lookup_hash_depends_on_its_key(settings):
    before = nik_lookup_hash(TEST_NIK)
    settings.KOMPETEN_NIK_HASH_KEY = "another-key-of-more-than-thirty-two-chars"
    assert nik_lookup_hash(TEST_NIK) != before
    assert len(before) == 64


def test_an_old_key_still_decrypts_after_rotation_and_new_writes_use_the_new_key(settings):
    old_key = settings.KOMPETEN_FIELD_ENCRYPTION_KEYS[0]
    profile = factories.CandidateProfileFactory(nik=TEST_NIK)
    new_key = Fernet.generate_key().decode()

    settings.KOMPETEN_FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    assert CandidateProfile.objects.get(pk=profile.pk).nik == TEST_NIK
    profile.save()

    settings.KOMPETEN_FIELD_ENCRYPTION_KEYS = [new_key]
    assert CandidateProfile.objects.get(pk=profile.pk).nik == TEST_NIK


def test_a_row_that_no_key_can_decrypt_fails_loudly(settings):
    profile = factories.CandidateProfileFactory(nik=TEST_NIK)
    settings.KOMPETEN_FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(ImproperlyConfigured, match="cannot be decrypted"):
        CandidateProfile.objects.get(pk=profile.pk)


def test_encrypt_and_decrypt_round_trip():
    token = encrypt_text(TEST_NIK)
    assert TEST_NIK not in token
    assert decrypt_text(token) == TEST_NIK


# --- constraints -------------------------------------------------------------------------------


def test_record_access_what_must_be_a_known_kind():
    with refused("record_access_what_valid"):
        factories.RecordAccessFactory(what="screenshot")
    for what in RecordAccess.What.values:
        assert factories.RecordAccessFactory(what=what).pk


def test_a_candidate_has_at_most_one_pending_erasure_request(admin_user):
    first = factories.ErasureRequestFactory()
    with refused("erasure_one_pending_per_candidate"):
        factories.ErasureRequestFactory(candidate=first.candidate)
    ErasureRequest.objects.filter(pk=first.pk).update(
        status=ErasureRequest.Status.DONE, handled_by=admin_user, handled_at=timezone.now()
    )
    assert factories.ErasureRequestFactory(candidate=first.candidate).pk


def test_a_done_erasure_request_names_who_handled_it_and_when(admin_user):
    with refused("erasure_done_has_handler"):
        factories.ErasureRequestFactory(status=ErasureRequest.Status.DONE)
    with refused("erasure_done_has_handler"):
        factories.ErasureRequestFactory(status=ErasureRequest.Status.DONE, handled_by=admin_user)
    assert factories.ErasureRequestFactory(
        status=ErasureRequest.Status.DONE, handled_by=admin_user, handled_at=timezone.now()
    ).pk
