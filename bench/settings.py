"""Production-like settings for the benchmark: certification.settings with DEBUG off, the bench
database and Redis db, and a urlconf that adds the baseline view. Values come from the
environment the runner sets (bench/run.py); the defaults here let the builder and the in-process
query count import the same settings."""

import base64
import hashlib
import os

_DEFAULTS = {
    "DEBUG": "false",
    "SECRET_KEY": "bench-only-secret-key-not-for-production-0123456789abcdef",
    "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
    "REDIS_URL": "redis://127.0.0.1:6379/12",
    # gunicorn answers plain http on the loopback, as behind a TLS-terminating proxy.
    "SECURE_SSL_REDIRECT": "false",
    # 16 clients on one address would hit the public pages' per-address limit at once.
    "KOMPETEN_VERIFY_RATE_LIMIT": "1000000000",
    "LOG_LEVEL": "WARNING",
    "CONN_MAX_AGE": "600",
    # Fixed bench-only keys: the cached dump's NIKs must decrypt in every later run.
    "KOMPETEN_FIELD_ENCRYPTION_KEYS": base64.urlsafe_b64encode(
        hashlib.sha256(b"kompeten-bench-field-encryption").digest()
    ).decode(),
    "KOMPETEN_NIK_HASH_KEY": "bench-only-nik-hash-key-0123456789abcdef",
}
for _key, _value in _DEFAULTS.items():
    os.environ.setdefault(_key, _value)
# Never the developer's DATABASE_URL: the bench drops and rebuilds its database.
os.environ["DATABASE_URL"] = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/kompeten_bench"
)

from certification.settings import *  # noqa: E402, F403
from certification.settings import BASE_DIR, TEMPLATES  # noqa: E402

ROOT_URLCONF = "bench.urls"
BENCH_CACHE_DIR = BASE_DIR / "bench" / ".cache"
STATIC_ROOT = BENCH_CACHE_DIR / "static"
MEDIA_ROOT = BENCH_CACHE_DIR / "media"
TEMPLATES[0]["DIRS"] = [*TEMPLATES[0]["DIRS"], BASE_DIR / "bench" / "templates"]
