"""Production refuses to start without the NIK keys; development derives them."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
SCRIPT = (
    "import django; django.setup(); from django.conf import settings; "
    "print('STARTED', len(settings.KOMPETEN_FIELD_ENCRYPTION_KEYS), "
    "len(settings.KOMPETEN_NIK_HASH_KEY) >= 32)"
)
NEW_KEY = "H9-QOAoCQ_-KguNVDjhMRn-OobxQyzeYe3rI-ZtLy0M="
OLD_KEY = "kXz0m9Vb0dYpXo9JcGqVbq3m3h1h2YxJc3Wl3nQ8b1M="


def _start(tmp_path, **env: str) -> subprocess.CompletedProcess:
    base = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "DJANGO_SETTINGS_MODULE": "certification.settings",
        "KOMPETEN_ENV_FILE": str(tmp_path / "no.env"),
    }
    return subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=BASE_DIR,
        env=base | env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def production_env(tmp_path) -> dict[str, str]:
    return {
        "DEBUG": "false",
        "SECRET_KEY": "x7Jq2-production-secret-key-of-more-than-32-characters",
        "KOMPETEN_FIELD_ENCRYPTION_KEYS": f"{NEW_KEY},{OLD_KEY}",
        "KOMPETEN_NIK_HASH_KEY": "nik-hash-key-of-more-than-32-characters",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
    }


def test_production_reads_a_list_of_encryption_keys(tmp_path, production_env):
    result = _start(tmp_path, **production_env)
    assert result.returncode == 0, result.stderr
    assert "STARTED 2 True" in result.stdout


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("KOMPETEN_FIELD_ENCRYPTION_KEYS", None),
        ("KOMPETEN_NIK_HASH_KEY", None),
        ("KOMPETEN_NIK_HASH_KEY", "short"),
    ],
    ids=["no-encryption-keys", "no-hash-key", "short-hash-key"],
)
def test_production_refuses_to_start_without_the_nik_keys(
    tmp_path, production_env, variable, value
):
    if value is None:
        del production_env[variable]
    else:
        production_env[variable] = value

    result = _start(tmp_path, **production_env)

    assert result.returncode != 0
    assert f"ImproperlyConfigured: Set {variable}" in result.stderr


def test_development_derives_both_keys_from_the_secret_key(tmp_path):
    result = _start(tmp_path)
    assert result.returncode == 0, result.stderr
    assert "STARTED 1 True" in result.stdout
