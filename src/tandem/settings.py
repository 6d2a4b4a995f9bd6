"""Tandem settings: one file, read from the environment with helpers that fail loudly.

Everything works with no environment set: SQLite under ./var, a secret key generated
on first run and kept outside the repository, DEBUG off, hosts limited to loopback.
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent
REPO_DIR = BASE_DIR.parent.parent


def env(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off", ""}:
        return False
    raise ImproperlyConfigured(f"{name} must be 1/0/true/false, got {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {value!r}") from None


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


# Runtime data (SQLite database, uploads) lives under TANDEM_VAR_DIR, ignored by git.
VAR_DIR = Path(env("TANDEM_VAR_DIR", str(REPO_DIR / "var")))


def load_secret_key() -> str:
    """The key comes from TANDEM_SECRET_KEY, or from a file made on first run.

    The file sits in the user's config directory, not in the repository, so a clone
    never carries a key and two clones on one machine share one.
    """
    if key := os.environ.get("TANDEM_SECRET_KEY"):
        return key
    config_home = Path(env("XDG_CONFIG_HOME", str(Path.home() / ".config")))
    path = Path(env("TANDEM_SECRET_KEY_FILE", str(config_home / "tandem" / "secret_key")))
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(64))
    return path.read_text().strip()


SECRET_KEY = load_secret_key()
DEBUG = env_bool("TANDEM_DEBUG", False)
ALLOWED_HOSTS = env_list("TANDEM_ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("TANDEM_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "django_htmx",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_tasks",
    "django_tasks_db",
    "tandem.core",
    "tandem.accounts",
    "tandem.agencies",
    "tandem.people",
    "tandem.dispatch",
    "tandem.encounters",
    "tandem.directory",
    "tandem.referrals",
    "tandem.followups",
    "tandem.plans",
    "tandem.metrics",
    "tandem.privacy",
    "tandem.interop",
    "tandem.imports",
    "tandem.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "tandem.core.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "tandem.accounts.middleware.IdleTimeoutMiddleware",
    "tandem.accounts.middleware.TwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    # Stamps the 42 CFR 2.32 notice on responses that disclosed Part 2 data outward.
    "tandem.privacy.notices.RedisclosureNoticeMiddleware",
]

ROOT_URLCONF = "tandem.urls"
WSGI_APPLICATION = "tandem.wsgi.application"
ASGI_APPLICATION = "tandem.asgi.application"

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
                "tandem.accounts.context.navigation",
                "tandem.followups.context.notifications",
            ],
        },
    },
]

# Background work (follow-up reminders): django-tasks with its database backend, so no
# broker is needed; `tandem db_worker` runs the queue.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

SQLITE_PATH = VAR_DIR / "tandem.sqlite3"
if database_url := os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(database_url, conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": SQLITE_PATH,
            "CONN_MAX_AGE": 60,  # keep connections: opening one reruns the PRAGMAs
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": {
                # WAL lets the board read while a dispatcher writes; IMMEDIATE takes the
                # write lock at BEGIN so two writers queue instead of failing mid-transaction.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Lockout after repeated failed sign-ins (django-axes): per account and address, so one
# person mistyping elsewhere does not lock a colleague out; lifted after the cool-off.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("TANDEM_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("TANDEM_LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "tandem.accounts.views.locked_out"
AXES_VERBOSE = False  # sign-in outcomes go to the audit trail, not the log

# Two-factor sign-in (django-otp, TOTP): required for the roles in
# accounts.roles.TWO_FACTOR_ROLES, or for everyone when the program file says so. A wrong
# code makes the device wait before the next try (1, 2, 4, 8 ... seconds, kept on the
# device, so signing in again does not reset it).
OTP_TOTP_ISSUER = "Tandem"
OTP_TOTP_THROTTLE_FACTOR = 1

# Sessions on shared tablets: short, closed with the browser, HTTP-only cookies, and
# ended after IDLE_TIMEOUT_MINUTES without a request (polling does not count).
IDLE_TIMEOUT_MINUTES = env_int("TANDEM_IDLE_TIMEOUT_MINUTES", 15)
SESSION_COOKIE_AGE = env_int("TANDEM_SESSION_SECONDS", 8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
USE_TLS = env_bool("TANDEM_TLS", False)
SESSION_COOKIE_SECURE = USE_TLS
CSRF_COOKIE_SECURE = USE_TLS
SECURE_SSL_REDIRECT = USE_TLS
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # a load balancer's plain-HTTP health check
SECURE_HSTS_SECONDS = 365 * 24 * 3600 if USE_TLS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = USE_TLS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if USE_TLS else None

LANGUAGE_CODE = "en-us"
TIME_ZONE = env("TANDEM_TIME_ZONE", "America/Chicago")
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # also makes VAR_DIR for the SQLite file
# Assets are vendored under static/vendor; serve them from the app folders directly so
# `make demo` needs no collectstatic step.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# The program's triage protocol (YAML); the demo protocol when unset.
TRIAGE_PROTOCOL = env("TANDEM_TRIAGE_PROTOCOL", "")

# Familiar faces: "contacts/days" rules, any of which puts a person on the worklist.
FAMILIAR_FACES = env("TANDEM_FAMILIAR_FACES", "4/90,7/365")

REST_FRAMEWORK = {
    # Token first: an API request without credentials is answered 401, not 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "tandem.accounts.tokens.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "tandem.core.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Tandem API",
    "DESCRIPTION": "Calls, encounters and people for co-responder programs.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
}

# Logs carry request paths and status codes, never bodies or personal data.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("TANDEM_LOG_LEVEL", "WARNING")},
}
