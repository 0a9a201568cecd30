"""Kompeten settings, all read from the environment (see .env.example).

Development defaults are safe to run on a laptop: SQLite, tasks run eagerly, mail written to
var/mail. With DEBUG off the app refuses to start without a real SECRET_KEY and DATABASE_URL.
"""

import base64
import hashlib
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
VAR_DIR.mkdir(exist_ok=True)

env = environ.Env()
# Variables already in the environment win over the file; KOMPETEN_ENV_FILE lets an operator
# running manage.py by hand point at the same file systemd uses (and tests ignore a dev .env).
environ.Env.read_env(env.str("KOMPETEN_ENV_FILE", default=str(BASE_DIR / ".env")), overwrite=False)

DEBUG = env.bool("DEBUG", default=True)
_DEV_SECRET = "dev-insecure-kompeten-secret-key-change-me"  # noqa: S105
SECRET_KEY = env("SECRET_KEY", default=_DEV_SECRET)
if not DEBUG:
    # A production deployment must never fall back to the development key or SQLite file.
    if SECRET_KEY == _DEV_SECRET or len(SECRET_KEY) < 32:
        raise ImproperlyConfigured("Set SECRET_KEY (at least 32 characters) when DEBUG is off.")
    if "DATABASE_URL" not in env.ENVIRON:
        raise ImproperlyConfigured("Set DATABASE_URL when DEBUG is off.")

# The NIK is encrypted at rest (assessments/fields.py): Fernet keys, newest first (older ones
# still decrypt, for rotation), and a separate key for its lookup hash. Development and tests
# derive both from SECRET_KEY so that `make run` needs nothing; production must set them, since
# data encrypted under a derived key would be lost with a changed SECRET_KEY.
KOMPETEN_FIELD_ENCRYPTION_KEYS = env.list("KOMPETEN_FIELD_ENCRYPTION_KEYS", default=[])
KOMPETEN_NIK_HASH_KEY = env("KOMPETEN_NIK_HASH_KEY", default="")
if not DEBUG:
    if not KOMPETEN_FIELD_ENCRYPTION_KEYS:
        raise ImproperlyConfigured("Set KOMPETEN_FIELD_ENCRYPTION_KEYS when DEBUG is off.")
    if len(KOMPETEN_NIK_HASH_KEY) < 32:
        raise ImproperlyConfigured(
            "Set KOMPETEN_NIK_HASH_KEY (at least 32 characters) when DEBUG is off."
        )
if not KOMPETEN_FIELD_ENCRYPTION_KEYS:
    KOMPETEN_FIELD_ENCRYPTION_KEYS = [
        base64.urlsafe_b64encode(
            hashlib.sha256(f"kompeten-field-encryption:{SECRET_KEY}".encode()).digest()
        ).decode()
    ]
KOMPETEN_NIK_HASH_KEY = (
    KOMPETEN_NIK_HASH_KEY or hashlib.sha256(f"kompeten-nik-hash:{SECRET_KEY}".encode()).hexdigest()
)

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "django_htmx",
    "template_partials",
    "simple_history",
    "rules.apps.AutodiscoverRulesConfig",
    "django_celery_beat",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "schemes",
    "assessments",
    "certification",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Slides the session's expiry at most once a minute instead of saving it on every request.
    "certification.sessions.SessionRefreshMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Puts each request's CSRF token into pages whose parts are cached (assessments/fragments.py).
    "assessments.fragments.CsrfMarkerMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): the session passed two-factor authentication (django-otp).
    "django_otp.middleware.OTPMiddleware",
    # After authentication: a signed-in user's saved language counts (certification/middleware.py).
    "certification.middleware.KompetenLocaleMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Admins, decision makers and staff must pass two-factor authentication (certification/otp.py).
    "certification.otp.TwoFactorRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # After CSPMiddleware (sees the response first): same-origin framing where a view allows it.
    "certification.security.SameOriginFramingMiddleware",
    # Signed-in responses are never cached (certification/security.py).
    "certification.security.NoStoreForAuthenticatedMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Axes must come last so that it sees the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "certification.urls"
WSGI_APPLICATION = "certification.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "certification.context_processors.lsp",
                # Last: templates print a marker for the CSRF token (assessments/fragments.py).
                "assessments.fragments.csrf_marker",
            ],
        },
    }
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'kompeten.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # WAL lets the dev server read while a task writes; IMMEDIATE avoids "database is locked"
    # on upgrades from read to write transactions.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Fail fast when the server is unreachable instead of hanging requests and /healthz.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "certification.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("email", "full_name")},
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login throttling: lock an account+address pair after repeated failures.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.5)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# Two-factor authentication (certification/otp.py): the Django admin never shows TOTP secrets.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# Reverse proxies in front of gunicorn whose X-Forwarded-For is trusted (0: none, the header is
# ignored). Every per-address limit keys on certification.client_ip.client_ip.
KOMPETEN_TRUSTED_PROXY_COUNT = env.int("KOMPETEN_TRUSTED_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "certification.client_ip.client_ip"

LANGUAGE_CODE = "id"
LANGUAGES = [("id", _("Bahasa Indonesia")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Jakarta"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "media"))
# Private files are never served under a public URL: downloads go through permission checks.
MEDIA_URL = "/private-media-not-served/"

if env("S3_BUCKET", default=""):
    _private_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env("S3_BUCKET"),
            "endpoint_url": env("S3_ENDPOINT_URL", default=None),
            "access_key": env("S3_ACCESS_KEY_ID", default=None),
            "secret_key": env("S3_SECRET_ACCESS_KEY", default=None),
            "region_name": env("S3_REGION", default=None),
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": 300,
            "file_overwrite": False,
        },
    }
else:
    _private_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": _private_storage,
    "staticfiles": {
        "BACKEND": env(
            "STATICFILES_BACKEND",
            default="django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage",
        )
    },
}

# Redis is optional in development: without it tasks run eagerly and the cache is local memory.
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "certification.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Rendered template fragments under content-digest keys (assessments/fragments.py), in each
# process's memory: about 30 KB per IA.01 unit block, so at most ~15 MB per process. The
# navigation bar and footer, one per user, language and address (a few KB each), have their
# own so that browsing many addresses never pushes the costly blocks out.
CACHES["fragments"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "kompeten-fragments",
    "TIMEOUT": 60 * 60,
    "OPTIONS": {"MAX_ENTRIES": 500},
}
CACHES["layout"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "kompeten-layout",
    "TIMEOUT": 60 * 60,
    "OPTIONS": {"MAX_ENTRIES": 2000},
}

CELERY_BROKER_URL = REDIS_URL or "memory://"
# Workers are started with `-Q default` (docs/deploy.md); Celery's own default is "celery".
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
if CELERY_TASK_ALWAYS_EAGER and not DEBUG:
    raise ImproperlyConfigured("Set REDIS_URL in production: tasks never run in the web request.")
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
# A dead or hung (SIGSTOP) Redis must not hang a page: a publish gives up after about 6 s (2 s
# socket timeouts, one retry, measured in tests/faults) and the task waits in the outbox
# (assessments/outbox.py). The worker's BRPOP is read by the event loop, not bound by these.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 2,
    "socket_timeout": 2,
    "max_retries": 1,
    "visibility_timeout": 3600,
}
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.5}
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

# Mail: development and tests write each message to a file under var/mail (the web process, a
# worker and the tests can all read it) and echo it to the console.
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="filemail://")
if EMAIL_CONFIG["EMAIL_BACKEND"] == "django.core.mail.backends.filebased.EmailBackend":
    EMAIL_CONFIG["EMAIL_BACKEND"] = "certification.mail.FileAndConsoleBackend"
    EMAIL_CONFIG["EMAIL_FILE_PATH"] = env("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Kompeten <noreply@kompeten.local>")

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 8)
# An idle timeout: the expiry slides with activity, saved at most every
# KOMPETEN_SESSION_REFRESH_SECONDS rather than on every request (certification/sessions.py).
SESSION_SAVE_EVERY_REQUEST = False
KOMPETEN_SESSION_REFRESH_SECONDS = env.int("KOMPETEN_SESSION_REFRESH_SECONDS", default=60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, never from the cookie
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# django-csp 4: no inline script anywhere (behaviour lives in static/js through data-
# attributes); no inline style either (htmx's indicator style is off, see base.html).
# frame-src 'self': the assessor previews evidence PDFs of the same origin in an <object>, and
# that one view opts into being framed (certification.security.SameOriginFramingMiddleware).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-src": ["'self'"],
        "object-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
    },
}
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # Load balancers and monitors probe gunicorn over plain http: answer them, not redirect.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# Domain settings (LSPs differ).
KOMPETEN_APPEAL_WINDOW_DAYS = env.int("KOMPETEN_APPEAL_WINDOW_DAYS", default=14)
KOMPETEN_EMAIL_VERIFICATION_DAYS = env.int("KOMPETEN_EMAIL_VERIFICATION_DAYS", default=3)
KOMPETEN_UPLOAD_MAX_BYTES = env.int("KOMPETEN_UPLOAD_MAX_BYTES", default=10 * 1024 * 1024)
KOMPETEN_SEED_DATA_DIR = BASE_DIR / "schemes" / "data"

# Personal data (docs/privacy.md): days the log of who opened a candidate's record is kept.
KOMPETEN_ACCESS_LOG_RETENTION_DAYS = env.int("KOMPETEN_ACCESS_LOG_RETENTION_DAYS", default=730)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # No NIK in any log line (UU PDP): 16-digit numbers are masked before a handler writes.
    "filters": {"redact_nik": {"()": "assessments.log_filters.RedactNIKFilter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["redact_nik"]},
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}, "axes": {"level": "WARNING"}},
}
KOMPETEN_BASE_URL = env("KOMPETEN_BASE_URL", default="http://127.0.0.1:8000")
KOMPETEN_VIDEO_MAX_BYTES = env.int("KOMPETEN_VIDEO_MAX_BYTES", default=100 * 1024 * 1024)
FILE_UPLOAD_HANDLERS = [
    "assessments.uploads.SizeLimitUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
KOMPETEN_REPORT_DUE_DAYS = env.int("KOMPETEN_REPORT_DUE_DAYS", default=3)

# --- Certification (issue 6): numbers, deadlines, reminders, public pages, beat schedule ---------
from celery.schedules import crontab  # noqa: E402

# str.format patterns; placeholders: seq (per-year sequence, required), year, month, month_roman,
# lsp (the LSP's short code), scheme (the scheme number).
KOMPETEN_CERTIFICATE_NUMBER_PATTERN = env(
    "KOMPETEN_CERTIFICATE_NUMBER_PATTERN", default="{seq:05d}/{scheme}/{lsp}/{year}"
)
KOMPETEN_DECISION_LETTER_NUMBER_PATTERN = env(
    "KOMPETEN_DECISION_LETTER_NUMBER_PATTERN", default="{seq:03d}/SK/{lsp}/{month_roman}/{year}"
)
KOMPETEN_RECERTIFICATION_REMINDER_MONTHS = env.int(
    "KOMPETEN_RECERTIFICATION_REMINDER_MONTHS", default=6
)
KOMPETEN_APPEAL_DECISION_DAYS = env.int("KOMPETEN_APPEAL_DECISION_DAYS", default=30)
# Public pages, per client address: certificate verification per minute, complaints per hour.
KOMPETEN_VERIFY_RATE_LIMIT = env.int("KOMPETEN_VERIFY_RATE_LIMIT", default=30)
KOMPETEN_COMPLAINT_RATE_LIMIT = env.int("KOMPETEN_COMPLAINT_RATE_LIMIT", default=5)
CELERY_BEAT_SCHEDULE = {
    **globals().get("CELERY_BEAT_SCHEDULE", {}),
    "expire-certificates": {
        "task": "certification.tasks.expire_certificates",
        "schedule": crontab(hour=0, minute=20),
    },
    "recertification-reminders": {
        "task": "certification.tasks.send_recertification_reminders",
        "schedule": crontab(hour=8, minute=0),
    },
}

# PDFs: certification hands the LSP's header (name, licence, logo, per-form codes) down to the
# assessments documents through this dotted path (assessments never imports certification).
KOMPETEN_PDF_HEADER_PROVIDER = "certification.pdf.header_context"

# Admin console (issue 6): assessor licence warnings and the candidates-per-assessor limit.
KOMPETEN_MAX_CANDIDATES_PER_ASSESSOR = env.int("KOMPETEN_MAX_CANDIDATES_PER_ASSESSOR", default=30)
CELERY_BEAT_SCHEDULE["warn-expiring-licences"] = {
    "task": "assessments.tasks.warn_expiring_licences",
    "schedule": crontab(hour=7, minute=0),
}
# Tasks that could not be queued while Redis was away (assessments/outbox.py).
CELERY_BEAT_SCHEDULE["flush-outbox"] = {"task": "assessments.outbox.flush_outbox", "schedule": 60.0}
# Personal data (issue 8): the access log is kept for KOMPETEN_ACCESS_LOG_RETENTION_DAYS.
CELERY_BEAT_SCHEDULE["purge-record-access"] = {
    "task": "assessments.tasks.purge_record_access",
    "schedule": crontab(hour=1, minute=10),
}
