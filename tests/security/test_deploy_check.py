"""``manage.py check --deploy`` with production settings prints no warning."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]


def production_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "KOMPETEN_"))}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "certification.settings",
            # A dev .env must not leak into the check.
            "KOMPETEN_ENV_FILE": "/nonexistent/.env",
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "KOMPETEN_FIELD_ENCRYPTION_KEYS": "kXz0m9Vb0dYpXo9JcGqVbq3m3h1h2YxJc3Wl3nQ8b1M=",
            "KOMPETEN_NIK_HASH_KEY": secrets.token_urlsafe(48),
            "DATABASE_URL": "postgres://kompeten@127.0.0.1:5432/kompeten",
            "REDIS_URL": "redis://127.0.0.1:6379/0",
            "ALLOWED_HOSTS": "sertifikasi.lsp.example.id",
        }
    )
    return env


def run_deploy_check() -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_prints_no_warning_with_production_settings():
    result = run_deploy_check()
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output, output
    assert "WARNINGS:" not in output, output


def test_production_settings_turn_on_https_hsts_and_secure_cookies():
    code = (
        "from django.conf import settings as s; "
        "print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS >= 31536000, "
        "s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, "
        "s.SESSION_COOKIE_SAMESITE, s.CSRF_COOKIE_SAMESITE, s.X_FRAME_OPTIONS, "
        "s.SECURE_REFERRER_POLICY)"
    )
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=BASE_DIR,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.split() == [
        "True",
        "True",
        "True",
        "True",
        "True",
        "Lax",
        "Lax",
        "DENY",
        "same-origin",
    ], result.stdout + result.stderr
