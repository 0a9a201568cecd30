"""The data migration encrypts the NIK of profiles written before encryption existed."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from assessments.fields import nik_lookup_hash
from assessments.models import CandidateProfile

BEFORE = [("assessments", "0008_pdp_privacy")]
AFTER = [("assessments", "0010_pdp_nik_hash_unique")]
NIK = "3201234567890001"


def _migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor


@pytest.mark.django_db(transaction=True)
def test_existing_plain_niks_are_encrypted_and_hashed():
    table = CandidateProfile._meta.db_table
    try:
        executor = _migrate(BEFORE)
        old_apps = executor.loader.project_state(BEFORE).apps
        user = old_apps.get_model("certification", "User").objects.create(
            email="lama@example.test", full_name="Profil Lama", password="!"
        )
        # Written the way the old code stored it: the NIK in plain text, no hash yet.
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (user_id, nik, nik_hash, birth_place, birth_date, sex, "  # noqa: S608
                "nationality, address, postal_code, phone, education, institution, position, "
                "job_address, job_phone, job_email, updated_at) VALUES (%s, %s, '', 'Bandung', "
                "'1990-01-01', 'L', 'Indonesia', 'Jl. Asia Afrika 1', '', '08123456789', 'sma', "
                "'', '', '', '', '', CURRENT_TIMESTAMP)",
                [user.pk, NIK],
            )

        _migrate(AFTER)

        with connection.cursor() as cursor:
            cursor.execute(f"SELECT nik, nik_hash FROM {table} WHERE user_id = %s", [user.pk])  # noqa: S608
            stored, stored_hash = cursor.fetchone()
        assert NIK not in stored
        assert stored_hash == nik_lookup_hash(NIK)
        assert CandidateProfile.objects.get(user_id=user.pk).nik == NIK

        # And back: the reverse migration restores the plain column.
        _migrate(BEFORE)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT nik FROM {table} WHERE user_id = %s", [user.pk])  # noqa: S608
            assert cursor.fetchone()[0] == NIK
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table} WHERE user_id = %s", [user.pk])  # noqa: S608
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
