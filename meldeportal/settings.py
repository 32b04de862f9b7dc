"""Settings of the Meldeportal, read from the environment (README "Konfiguration" lists every variable).

Bad or missing values stop the process with one line naming the variable (no traceback, no fallback).
MELDEPORTAL_ENV=development (the default, as in healthchecks) generates local keys under var/keys on first use;
MELDEPORTAL_ENV=production requires every secret and key explicitly.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any, NoReturn

import environ

from apps.core.keyring import (
    PURPOSES,
    KeyConfigError,
    KeyRing,
    ensure_separate,
    new_key_entry,
    parse_key_ring,
)

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()


def fail(message: str) -> NoReturn:
    raise SystemExit(f"Meldeportal-Konfigurationsfehler: {message}")


def env_secret(name: str) -> str:
    """A secret from NAME, or from the file named by NAME_FILE (Docker/Kubernetes secrets)."""
    value = os.environ.get(name, "")
    path = os.environ.get(f"{name}_FILE", "")
    if value and path:
        fail(f"set either {name} or {name}_FILE, not both")
    if path:
        try:
            return Path(path).read_text(encoding="utf-8").strip()
        except OSError as error:
            fail(f"{name}_FILE: cannot read {path} ({error.strerror})")
    return value.strip()


def dev_secret_file(name: str, make: Any) -> str:
    """Development only: a secret kept in var/keys/, generated once with owner-only permissions."""
    path = VAR_DIR / "keys" / name
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="utf-8").strip()
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(make() + "\n")
    return path.read_text(encoding="utf-8").strip()


MELDEPORTAL_ENV = os.environ.get("MELDEPORTAL_ENV", "development")
if MELDEPORTAL_ENV not in ("development", "production"):
    fail("MELDEPORTAL_ENV must be 'development' or 'production'")
PRODUCTION = MELDEPORTAL_ENV == "production"
DEBUG = env.bool("DEBUG", default=not PRODUCTION)
if PRODUCTION and DEBUG:
    fail("DEBUG must not be on in production")

VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))

# --- Secrets and keys
SECRET_KEY = env_secret("SECRET_KEY")
if not SECRET_KEY and not PRODUCTION:
    SECRET_KEY = dev_secret_file("secret_key", lambda: secrets.token_urlsafe(50))
# Django's own check (security.W009) wants at least 50 characters and 5 distinct ones.
if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
    fail("SECRET_KEY is missing or weak (at least 50 random characters)")

KEY_VARIABLES = {
    "fields": "FIELD_ENCRYPTION_KEYS",
    "blind_index": "BLIND_INDEX_KEYS",
    "files": "FILE_ENCRYPTION_KEYS",
    "otp": "OTP_ENCRYPTION_KEYS",
}
ENCRYPTION_KEYS: dict[str, KeyRing] = {}
for _purpose in PURPOSES:
    _variable = KEY_VARIABLES[_purpose]
    _text = env_secret(_variable)
    if not _text and not PRODUCTION:
        _text = dev_secret_file(f"{_purpose}.keys", lambda: new_key_entry("dev1"))
    if not _text:
        fail(f"{_variable} (or {_variable}_FILE) is not set; generate a key with 'python -m apps.core.keyring <id>'")
    try:
        ENCRYPTION_KEYS[_purpose] = parse_key_ring(_purpose, _text, _variable)
    except KeyConfigError as error:
        fail(str(error))
try:
    ensure_separate(ENCRYPTION_KEYS)
except KeyConfigError as error:
    fail(str(error))

# --- Database
_database_url = env_secret("DATABASE_URL")
if not _database_url:
    fail("DATABASE_URL is not set (postgres://user:password@host:port/name; 'make run' sets it for you)")
if not _database_url.startswith(("postgres://", "postgresql://")):
    fail("DATABASE_URL must point at PostgreSQL (postgres://…/name); other databases are not supported")
try:
    _database = env.db_url_config(_database_url)
except Exception:  # django-environ raises several types for malformed URLs
    fail("DATABASE_URL is malformed (expected postgres://user:password@host:port/name)")
if not _database.get("NAME"):
    fail("DATABASE_URL names no database (postgres://user:password@host:port/name)")
_database.update(
    CONN_MAX_AGE=env.int("DATABASE_CONN_MAX_AGE", default=60),
    CONN_HEALTH_CHECKS=True,
    # psycopg's connect timeout: an unreachable database answers within seconds, never hangs a worker.
    OPTIONS={**_database.get("OPTIONS", {}), "connect_timeout": 5},
)
DATABASES = {"default": _database}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Hosts, apps, middleware
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]"])
if PRODUCTION and not ALLOWED_HOSTS:
    fail("ALLOWED_HOSTS is not set (the portal's host name, e.g. meldeportal.krebsregister.example)")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",  # OpClass in the ID-search indexes (apps/reports, apps/patients)
    "django_tasks",
    "django_tasks_db",
    "csp",
    "apps.core",
    "apps.institutions",
    "apps.accounts",
    "apps.registry",
    "apps.patients",
    "apps.reports",
    "apps.uploads",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "apps.accounts.middleware.AbsoluteSessionLimitMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "meldeportal.urls"
WSGI_APPLICATION = "meldeportal.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "apps.core.context_processors.portal",
            ],
        },
    }
]

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["apps.accounts.backends.CanonicalUsernameBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "start"
# Wrong passwords in a row, across the 1-minute locks, before only the Vertrauensstelle can unlock.
# Largest upload accepted (bytes); larger requests are refused before their body is read.
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=200 * 1024 * 1024)
if UPLOAD_MAX_BYTES < 1024:
    fail("UPLOAD_MAX_BYTES must be at least 1024")
# A ZIP upload may hold at most this many files, and unpack to at most this many bytes (ZIP bombs).
UPLOAD_PROGRESS_SECONDS = env.float("UPLOAD_PROGRESS_SECONDS", default=1.0)  # how often the package page learns more
ZIP_MAX_FILES = env.int("ZIP_MAX_FILES", default=1000)
ZIP_MAX_UNPACKED_BYTES = env.int("ZIP_MAX_UNPACKED_BYTES", default=2 * 1024 * 1024 * 1024)
if ZIP_MAX_FILES < 1 or ZIP_MAX_UNPACKED_BYTES < UPLOAD_MAX_BYTES:
    fail("ZIP_MAX_FILES must be at least 1 and ZIP_MAX_UNPACKED_BYTES at least UPLOAD_MAX_BYTES")
# Report drafts unchanged for this many days are deleted by `manage.py prune_drafts` (run daily).
DRAFT_MAX_AGE_DAYS = env.int("DRAFT_MAX_AGE_DAYS", default=90)
if not 1 <= DRAFT_MAX_AGE_DAYS <= 3650:
    fail("DRAFT_MAX_AGE_DAYS must be between 1 and 3650")
# The stored original of a processed package is crypto-shredded after this many days (`manage.py shred_packages`).
PACKAGE_RETENTION_DAYS = env.int("PACKAGE_RETENTION_DAYS", default=84)
if not 1 <= PACKAGE_RETENTION_DAYS <= 3650:
    fail("PACKAGE_RETENTION_DAYS must be between 1 and 3650")
# Schema versions the registry accepts: "<format> <version prefix>*[ bis YYYY-MM-DD]", separated by ";".
ACCEPTED_SCHEMA_VERSIONS = os.environ.get(
    "ACCEPTED_SCHEMA_VERSIONS",
    "oBDS 3.0.0; oBDS 3.0.1; oBDS 3.0.2; oBDS 3.0.3; oBDS 3.0.4; ADT/GEKID 2.2.* bis 2027-06-30",
)
PASSWORD_HARD_LOCK_AFTER = env.int("PASSWORD_HARD_LOCK_AFTER", default=50)
if not 3 < PASSWORD_HARD_LOCK_AFTER <= 100:  # NIST SP 800-63B §5.2.2: at most 100 consecutive failures
    fail("PASSWORD_HARD_LOCK_AFTER must be between 4 and 100")
PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # ASVS 6.2.1: at least 8 characters, 15 recommended for user-chosen passwords; no composition rules.
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "de"
LANGUAGES = [("de", "Deutsch")]
TIME_ZONE = "Europe/Berlin"
USE_I18N = True
USE_TZ = True

# --- Static files and encrypted file storage
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
WHITENOISE_USE_FINDERS = not PRODUCTION
ENCRYPTED_FILES_DIR = Path(os.environ.get("ENCRYPTED_FILES_DIR", VAR_DIR / "files"))
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
    # Ciphertext only (apps.core.files); any Django storage works here, e.g. S3 for a scaled-out setup.
    "encrypted_files": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": ENCRYPTED_FILES_DIR, "file_permissions_mode": 0o600},
    },
}
# Uploads above 2.5 MB go to a temp file; this handler encrypts it with a key held only in memory.
FILE_UPLOAD_HANDLERS = [
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "apps.core.uploads.EncryptedTemporaryFileUploadHandler",
]
FILE_UPLOAD_TEMP_DIR = Path(os.environ.get("FILE_UPLOAD_TEMP_DIR", VAR_DIR / "tmp"))
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
DATA_UPLOAD_MAX_NUMBER_FILES = 1
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
for _directory in (ENCRYPTED_FILES_DIR, FILE_UPLOAD_TEMP_DIR, STATIC_ROOT):
    _directory.mkdir(parents=True, exist_ok=True, mode=0o700)

# --- oBDS reference data (never part of the repository)
_shared_obds = BASE_DIR.parent / "shared" / "obds"
OBDS_SCHEMA_DIR = Path(os.environ.get("OBDS_SCHEMA_DIR", _shared_obds / "schemas"))
OBDS_CODES_DIR = Path(os.environ.get("OBDS_CODES_DIR", _shared_obds / "codes"))

# --- Tasks
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# --- Sessions, cookies, security headers
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = 30 * 60  # 30 min idle (NIST AAL2, ASVS 7.3.1), renewed by every request
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
if PRODUCTION:
    # TLS ends at the reverse proxy, which sets X-Forwarded-Proto (README "Betrieb").
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = 365 * 24 * 3600  # ASVS 3.4.1: at least one year
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # __Host- prefix: only over HTTPS, only for this exact host (ASVS 3.3.3).
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"

# --- Logging: no patient data, ever; only event names and UUIDs are logged
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # Django logs 4xx/5xx request lines with the full path; paths carry UUIDs only (DESIGN.md).
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

REGISTRY_NAME = os.environ.get("REGISTRY_NAME", "Landeskrebsregister")

# --- E-mail (the Vertrauensstelle is told when a test package waits; no patient data in any mail)
# EMAIL_URL (or EMAIL_URL_FILE, as it may hold a password): smtp+tls://user:password@host:587, consolemail://
_email = environ.Env.email_url_config(env_secret("EMAIL_URL") or "consolemail://")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST") or "localhost"
EMAIL_PORT = int(_email.get("EMAIL_PORT") or 25)
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER") or ""
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD") or ""
EMAIL_USE_TLS = bool(_email.get("EMAIL_USE_TLS"))
EMAIL_USE_SSL = bool(_email.get("EMAIL_USE_SSL"))
EMAIL_TIMEOUT = 30
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "meldeportal@localhost")
# Where notices for the Vertrauensstelle go; when empty, to every active Vertrauensstelle account with an address.
REGISTRY_NOTIFY_EMAIL = env.list("REGISTRY_NOTIFY_EMAIL", default=[])
# The portal's public address, for links in e-mails.
PORTAL_URL = os.environ.get("PORTAL_URL", "http://127.0.0.1:8000").rstrip("/")
