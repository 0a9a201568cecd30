"""Production refuses unsafe defaults. Each case starts a fresh Python, as the server would."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
REAL_KEY = "x7Jq2-production-secret-key-of-more-than-32-characters"
SCRIPT = (
    "import django; django.setup(); from django.conf import settings; "
    "print('STARTED', settings.DEBUG, settings.DATABASES['default']['ENGINE'], "
    "settings.SESSION_COOKIE_SECURE)"
)


def _clean_env(tmp_path) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "DJANGO_SETTINGS_MODULE": "certification.settings",
        # A developer's .env must not decide the outcome.
        "KOMPETEN_ENV_FILE": str(tmp_path / "no.env"),
    }


def _start_django(tmp_path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=BASE_DIR,
        env=_clean_env(tmp_path) | env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def production_env(tmp_path) -> dict[str, str]:
    return {
        "DEBUG": "false",
        "SECRET_KEY": REAL_KEY,
        "KOMPETEN_FIELD_ENCRYPTION_KEYS": "kXz0m9Vb0dYpXo9JcGqVbq3m3h1h2YxJc3Wl3nQ8b1M=",
        "KOMPETEN_NIK_HASH_KEY": "nik-hash-key-of-more-than-32-characters",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
    }


def test_production_starts_with_a_secret_key_database_and_redis(tmp_path, production_env):
    result = _start_django(tmp_path, **production_env)

    assert result.returncode == 0, result.stderr
    assert "STARTED False django.db.backends.sqlite3 True" in result.stdout


@pytest.mark.parametrize(
    "secret_key",
    [None, "dev-insecure-kompeten-secret-key-change-me", "too-short"],
    ids=["missing", "development-key", "short"],
)
def test_production_refuses_to_start_without_a_real_secret_key(
    tmp_path, production_env, secret_key
):
    env = production_env | {"SECRET_KEY": secret_key}
    if secret_key is None:
        del env["SECRET_KEY"]

    result = _start_django(tmp_path, **env)

    assert result.returncode != 0
    assert "ImproperlyConfigured: Set SECRET_KEY" in result.stderr
    assert "STARTED" not in result.stdout


def test_production_refuses_to_start_without_a_database_url(tmp_path, production_env):
    del production_env["DATABASE_URL"]

    result = _start_django(tmp_path, **production_env)

    assert result.returncode != 0
    assert "ImproperlyConfigured: Set DATABASE_URL" in result.stderr


def test_production_refuses_to_run_tasks_inside_web_requests(tmp_path, production_env):
    del production_env["REDIS_URL"]

    result = _start_django(tmp_path, **production_env)

    assert result.returncode != 0
    assert "ImproperlyConfigured: Set REDIS_URL" in result.stderr


def test_development_starts_with_no_configuration_at_all(tmp_path):
    result = _start_django(tmp_path)

    assert result.returncode == 0, result.stderr
    assert "STARTED True django.db.backends.sqlite3 False" in result.stdout


def test_env_example_documents_every_variable_settings_reads():
    read = set(
        re.findall(
            r'env(?:\.\w+)?\(\s*"([A-Z][A-Z0-9_]*)"',
            (BASE_DIR / "certification" / "settings.py").read_text(),
        )
    )
    documented = set(
        re.findall(r"^# ([A-Z][A-Z0-9_]*)=", (BASE_DIR / ".env.example").read_text(), re.MULTILINE)
    )

    assert "SECRET_KEY" in read
    assert read - documented == set(), "add these to .env.example"
    assert documented - read == set(), "settings.py no longer reads these"


def test_production_redirects_to_https_except_the_health_check(tmp_path, production_env):
    # Redis on a closed port: /healthz then fails fast with 503, which is not a redirect.
    production_env["REDIS_URL"] = "redis://127.0.0.1:9/0"
    script = (
        "import django; django.setup(); from django.test import Client; client = Client(); "
        "print('STATUS', client.get('/healthz').status_code, client.get('/login/').status_code)"
    )

    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=BASE_DIR,
        env=_clean_env(tmp_path) | production_env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert "STATUS 503 301" in result.stdout
