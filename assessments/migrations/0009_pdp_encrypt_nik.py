"""Encrypt the NIK of every existing candidate profile and fill its lookup hash.

Raw SQL on purpose: the model's field decrypts on read, and the rows still hold plain text."""

from django.db import migrations

from assessments.fields import decrypt_text, encrypt_text, nik_lookup_hash


def _rows(schema_editor, table: str) -> list[tuple[int, str]]:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"SELECT id, nik FROM {table}")  # noqa: S608 (table name from the model)
        return cursor.fetchall()


def encrypt(apps, schema_editor):
    table = apps.get_model("assessments", "CandidateProfile")._meta.db_table
    with schema_editor.connection.cursor() as cursor:
        for pk, nik in _rows(schema_editor, table):
            cursor.execute(
                f"UPDATE {table} SET nik = %s, nik_hash = %s WHERE id = %s",  # noqa: S608
                [encrypt_text(nik), nik_lookup_hash(nik), pk],
            )


def decrypt(apps, schema_editor):
    table = apps.get_model("assessments", "CandidateProfile")._meta.db_table
    with schema_editor.connection.cursor() as cursor:
        for pk, token in _rows(schema_editor, table):
            cursor.execute(
                f"UPDATE {table} SET nik = %s, nik_hash = '' WHERE id = %s",  # noqa: S608
                [decrypt_text(token), pk],
            )


class Migration(migrations.Migration):
    dependencies = [("assessments", "0008_pdp_privacy")]

    operations = [migrations.RunPython(encrypt, decrypt)]
