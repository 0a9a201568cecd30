"""Test overrides: fast hashing, mail under a temporary folder, no manifest for static files."""

import os
import tempfile

from certification.settings import *  # noqa: F403
from certification.settings import DATABASES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        # A worker started by a test (tests/worker_utils.py) is handed the test's folder.
        "OPTIONS": {
            "location": os.environ.get("KOMPETEN_TEST_MEDIA_ROOT")
            or tempfile.mkdtemp(prefix="kompeten-media-")
        },
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
EMAIL_BACKEND = "certification.mail.FileAndConsoleBackend"
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH") or tempfile.mkdtemp(prefix="kompeten-mail-")
KOMPETEN_MAIL_ECHO = False
AXES_ENABLED = True
DATABASES["default"]["CONN_MAX_AGE"] = 0
# Tasks run in-process even when REDIS_URL is set (CI), so that a test's outcome never depends on
# a worker; tests marked `worker` switch the Celery app to the real broker themselves.
CELERY_TASK_ALWAYS_EAGER = os.environ.get("CELERY_TASK_ALWAYS_EAGER", "true").lower() == "true"
# Each test process keeps its own cache even when REDIS_URL is set: one Redis database would be
# shared by the pytest-xdist processes, each reading the others' keys, and cache.clear() between
# tests flushes it under their feet. Tests of the Redis cache itself override CACHES.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "fragments": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "kompeten-fragments",
    },
    "layout": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "kompeten-layout",
    },
}
# Serve static files from the finders: tests never run collectstatic.
WHITENOISE_AUTOREFRESH = True
