"""The backup of docs/operations.md, done for real: pg_dump of the database and a copy of the
files, restored into a fresh database and folder, accepted by ``verify_archive``; a tampered
copy of an archived PDF is caught."""

import os
import shutil
import subprocess
import sys
import uuid

import psycopg
import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.storage import default_storage
from django.db import connection

from assessments.models import ArchivedDocument, Assessment, RenderRequest
from assessments.tasks_pdf import render_document
from tests import factories
from tests.worker_utils import BASE_DIR, database_url

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.xdist_group("faults"),
    pytest.mark.django_db(transaction=True),
]


def _binary(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"needs PostgreSQL client tools: {name} (apt-get install postgresql-client)")
    return path


def _libpq_env(settings_dict: dict) -> dict:
    env = {**os.environ, "PGHOST": settings_dict.get("HOST") or "localhost"}
    for key, variable in (("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if settings_dict.get(key):
            env[variable] = str(settings_dict[key])
    return env


@pytest.fixture
def restored_database():
    """An empty database next to the test database, dropped afterwards."""
    settings_dict = connection.settings_dict
    name = f"{settings_dict['NAME']}_restore_{uuid.uuid4().hex[:8]}"
    admin_url = database_url({**settings_dict, "NAME": "postgres"})
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield {**settings_dict, "NAME": name}
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _verify_archive(settings_dict: dict, media_root) -> subprocess.CompletedProcess:
    """``manage.py verify_archive`` as an operator runs it: production settings, the restored
    database and the restored files."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "certification.settings",
        "DATABASE_URL": database_url(settings_dict),
        "MEDIA_ROOT": str(media_root),
        "REDIS_URL": "",
        "DEBUG": "true",
    }
    return subprocess.run(
        [sys.executable, "manage.py", "verify_archive"],
        cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_a_dump_and_a_file_copy_restore_an_archive_that_verify_archive_accepts(
    restored_database, tmp_path
):
    pg_dump, pg_restore = _binary("pg_dump"), _binary("pg_restore")
    assessment = factories.assessment_in_state(Assessment.State.SCHEDULED)
    for document in ("ak01", "ak01", "apl01"):  # ak01 twice: a chain of two versions
        request = RenderRequest.objects.create(
            document=document,
            subject_type=ContentType.objects.get_for_model(Assessment),
            subject_id=assessment.pk,
            requested_by=assessment.candidate,
        )
        render_document.apply(args=[str(request.request_id)])
    assert ArchivedDocument.objects.count() == 3
    source = connection.settings_dict
    dump = tmp_path / "kompeten.dump"

    subprocess.run(
        [pg_dump, "--format=custom", "--no-owner", f"--file={dump}", source["NAME"]],
        env=_libpq_env(source), check=True, timeout=120,
    )  # fmt: skip
    subprocess.run(
        [pg_restore, "--no-owner", "--exit-on-error", f"--dbname={restored_database['NAME']}",
         str(dump)],
        env=_libpq_env(restored_database), check=True, timeout=300,
    )  # fmt: skip
    media = tmp_path / "media"
    shutil.copytree(default_storage.location, media)

    result = _verify_archive(restored_database, media)
    assert result.returncode == 0, result.stderr
    assert "3 archived document(s) checked: all unchanged." in result.stdout

    # A copy that changed on the way (or on the backup disk) is caught.
    tampered = media / ArchivedDocument.objects.filter(document="apl01").get().file.name
    data = bytearray(tampered.read_bytes())
    data[len(data) // 2] ^= 0xFF
    tampered.write_bytes(bytes(data))
    result = _verify_archive(restored_database, media)
    assert result.returncode == 1
    assert "CHANGED: apl01" in result.stderr
