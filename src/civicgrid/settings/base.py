"""Base settings, fed from the environment (``CIVICGRID_*``)."""

import os
from datetime import timedelta
from pathlib import Path

from django.utils.translation import gettext_lazy as _

from civicgrid.core.coords import WGS84
from civicgrid.settings.csp import content_security_policy, photo_origins
from civicgrid.settings.env import (
    cache,
    data_dir,
    database,
    env_bool,
    env_list,
    env_number,
    secret_key,
)

PACKAGE_DIR = Path(__file__).resolve().parent.parent
PROJECT_DIR = PACKAGE_DIR.parent.parent
DATA_DIR = data_dir()

SECRET_KEY = secret_key(DATA_DIR)
# The production checks (civicgrid.web.checks) refuse a generated key unless
# the site is explicitly a loopback-only trial.
SECRET_KEY_FROM_ENVIRONMENT = bool(os.environ.get("CIVICGRID_SECRET_KEY"))
DEBUG = env_bool("CIVICGRID_DEBUG", False)
ALLOWED_HOSTS = env_list("CIVICGRID_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CIVICGRID_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",  # serves the API docs' scripts from here, not a CDN (CSP)
    "django_tasks",
    "django_tasks_db",
    "axes",
    "civicgrid.org",
    "civicgrid.places",
    "civicgrid.categories",
    "civicgrid.assets",
    "civicgrid.cases",
    "civicgrid.notify",
    "civicgrid.web",
    "civicgrid.demo",
]

MIDDLEWARE = [
    "civicgrid.web.bodylimit.BodyLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "civicgrid.web.csp.ContentSecurityPolicyMiddleware",
    # Outermost of ours: every error under /api/ leaves as JSON.
    "civicgrid.api.middleware.ApiJsonErrorsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # After the locale (the refusal is in the reader's language), before any view reads text.
    "civicgrid.common.middleware.RefuseNulMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "civicgrid.org.middleware.LoginRateLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "civicgrid.urls"
WSGI_APPLICATION = "civicgrid.wsgi.application"
ASGI_APPLICATION = "civicgrid.asgi.application"

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
                "civicgrid.web.context_processors.civicgrid",
            ],
        },
    },
]

DATABASES = {"default": database(DATA_DIR)}
# Rate limits, login lockouts, key look-ups and screen numbers live here:
# set CIVICGRID_CACHE_URL=redis://… so every process shares them.
CACHES = {"default": cache()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "org.User"
LOGIN_URL = "/accounts/login/"
# django-axes checks for a lockout before the password is even compared.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = os.environ.get("CIVICGRID_TIME_ZONE", "Asia/Shanghai")

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
# Front-end packages come from npm (package.json); only their dist folders are served.
NODE_MODULES = PROJECT_DIR / "node_modules"
STATICFILES_DIRS = [
    (f"vendor/{name}", NODE_MODULES / path)
    for name, path in (
        ("leaflet", "leaflet/dist"),
        ("leaflet.markercluster", "leaflet.markercluster/dist"),
        ("echarts", "echarts/dist"),
        ("htmx", "htmx.org/dist"),
    )
    if (NODE_MODULES / path).is_dir()
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Photos go to S3-compatible storage (django-storages) when a bucket is named.
if os.environ.get("CIVICGRID_S3_BUCKET"):
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["CIVICGRID_S3_BUCKET"],
            "endpoint_url": os.environ.get("CIVICGRID_S3_ENDPOINT_URL") or None,
            "access_key": os.environ.get("CIVICGRID_S3_ACCESS_KEY") or None,
            "secret_key": os.environ.get("CIVICGRID_S3_SECRET_KEY") or None,
            "region_name": os.environ.get("CIVICGRID_S3_REGION") or None,
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": 60,  # photo views redirect here; the URL need not last
        },
    }
MEDIA_ROOT = DATA_DIR / "media"
# Not routed: photos are served only through the checking view at /photos/<id>/.
MEDIA_URL = "/media/"

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": []}}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("CIVICGRID_LOG_LEVEL", "INFO")},
}

# Security defaults that hold whenever DEBUG is off; TLS-only cookies are
# opt-in because the embedded default serves plain HTTP on 127.0.0.1 (the
# production checks in civicgrid.web.checks refuse that unless it is
# explicitly a loopback-only trial).
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
_behind_tls = env_bool("CIVICGRID_HTTPS", False)
SESSION_COOKIE_SECURE = _behind_tls
CSRF_COOKIE_SECURE = _behind_tls
SECURE_SSL_REDIRECT = _behind_tls
SECURE_HSTS_SECONDS = (
    int(env_number("CIVICGRID_HSTS_SECONDS", 31536000, minimum=0)) if _behind_tls else 0
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("CIVICGRID_HSTS_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("CIVICGRID_HSTS_PRELOAD", False)
if _behind_tls:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# A login lasts one working day (8 h by default) from sign-in, then asks
# again; it survives closing the browser because the inspectors' phone app
# is closed and reopened all day in the field.
SESSION_COOKIE_AGE = round(env_number("CIVICGRID_SESSION_HOURS", 8, minimum=0.25) * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = False
SESSION_SAVE_EVERY_REQUEST = False


# Form fields and JSON bodies (not files) are small; file parts above 2.5 MB are spooled to
# disk rather than held in memory; the whole body is capped by BodyLimitMiddleware.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2621440

# CivicGrid domain settings (see docs/configuration.md).
_cache_url = os.environ.get("CIVICGRID_CACHE_URL", "").strip()
CIVICGRID = {
    "CITY_NAME": os.environ.get("CIVICGRID_CITY_NAME", "示范市"),
    "DUPLICATE_RADIUS_M": float(os.environ.get("CIVICGRID_DUPLICATE_RADIUS_M", "50")),
    "DUPLICATE_WINDOW_HOURS": float(os.environ.get("CIVICGRID_DUPLICATE_WINDOW_HOURS", "72")),
    "PHOTO_MAX_BYTES": int(os.environ.get("CIVICGRID_PHOTO_MAX_BYTES", str(10 * 1024 * 1024))),
    "PHOTO_MAX_PIXELS": int(os.environ.get("CIVICGRID_PHOTO_MAX_PIXELS", "40000000")),
    # Photos are served by a checking view; signed API URLs expire after this many seconds.
    "PHOTO_URL_SECONDS": int(os.environ.get("CIVICGRID_PHOTO_URL_SECONDS", "600")),
    # nginx `internal` location that maps to MEDIA_ROOT (X-Accel-Redirect); empty: Django sends.
    "MEDIA_ACCEL_PREFIX": os.environ.get("CIVICGRID_MEDIA_ACCEL_PREFIX", ""),
    # Whole request bodies above this are refused (413) before they are read.
    "REQUEST_MAX_BYTES": int(
        os.environ.get("CIVICGRID_REQUEST_MAX_BYTES", str(100 * 1024 * 1024))
    ),
    "WORK_PERIODS": os.environ.get("CIVICGRID_WORK_PERIODS", "08:30-12:00,13:30-17:30"),
    "STAGE_LIMITS": {},
    "API_TOKEN_DAYS": int(os.environ.get("CIVICGRID_API_TOKEN_DAYS", "30")),
    "TILE_PRESET": os.environ.get("CIVICGRID_TILE_PRESET", "osm"),
    "TILE_URL": os.environ.get("CIVICGRID_TILE_URL", ""),
    "TILE_CRS": os.environ.get("CIVICGRID_TILE_CRS", WGS84),
    "TILE_KEY": os.environ.get("CIVICGRID_TILE_KEY", ""),
    "TILE_ATTRIBUTION": os.environ.get("CIVICGRID_TILE_ATTRIBUTION", ""),
    "AUTH_CACHE_SECONDS": float(os.environ.get("CIVICGRID_AUTH_CACHE_SECONDS", "10")),
    # PostgreSQL connections each server process keeps in its pool under ASGI (0: none).
    "DB_POOL_SIZE": int(os.environ.get("CIVICGRID_DB_POOL_SIZE", "10")),
    "API_TOKEN_MAX_PER_USER": int(os.environ.get("CIVICGRID_API_TOKEN_MAX_PER_USER", "20")),
    # Proxies whose X-Forwarded-For is believed (IPs or networks); empty: REMOTE_ADDR only.
    "TRUSTED_PROXIES": env_list("CIVICGRID_TRUSTED_PROXIES", []),
    # Requests per window ("count/period", period s, m, h or d; "off" for none).
    "RATES": {
        "locate_ip": os.environ.get("CIVICGRID_RATE_LOCATE_IP", "6000/m"),
        "reports_user": os.environ.get("CIVICGRID_RATE_REPORTS_USER", "6000/m"),
        "reports_ip": os.environ.get("CIVICGRID_RATE_REPORTS_IP", "6000/m"),
        "photos_user": os.environ.get("CIVICGRID_RATE_PHOTOS_USER", "600/m"),
        "photos_ip": os.environ.get("CIVICGRID_RATE_PHOTOS_IP", "600/m"),
        "token_ip": os.environ.get("CIVICGRID_RATE_TOKEN_IP", "60/m"),
        "token_username": os.environ.get("CIVICGRID_RATE_TOKEN_USERNAME", "20/m"),
        "login_ip": os.environ.get("CIVICGRID_RATE_LOGIN_IP", "120/m"),
    },
    # True only in civicgrid.settings.prod: turns on the production checks.
    "PRODUCTION": False,
    # A loopback-only trial (make run) may run without TLS and with the
    # generated secret key; see civicgrid.web.checks.
    "ALLOW_INSECURE_LOOPBACK": env_bool("CIVICGRID_ALLOW_INSECURE_LOOPBACK", False),
    # The key ring of the case log (cases/services/auditkeys.py; docs/security.md).
    "AUDIT_KEY": os.environ.get("CIVICGRID_AUDIT_KEY", ""),
    "AUDIT_KEY_FILE": os.environ.get("CIVICGRID_AUDIT_KEY_FILE", ""),
    "AUDIT_OLD_KEYS": env_list("CIVICGRID_AUDIT_OLD_KEYS", []),
    "AUDIT_EXPORT_DIR": os.environ.get("CIVICGRID_AUDIT_EXPORT_DIR", ""),
    "AUDIT_S3_BUCKET": os.environ.get("CIVICGRID_AUDIT_S3_BUCKET", ""),
    "AUDIT_S3_RETENTION_DAYS": int(os.environ.get("CIVICGRID_AUDIT_S3_RETENTION_DAYS", "3650")),
    # Live fan-out of case changes (pub/sub); a redis:// cache URL serves when not set.
    "REDIS_URL": os.environ.get("CIVICGRID_REDIS_URL", "").strip()
    or (_cache_url if _cache_url.startswith(("redis://", "rediss://")) else ""),
}

# Login lockout (django-axes): after LOGIN_FAILURE_LIMIT wrong passwords for
# one username from one address, that pair is refused for LOGIN_COOLOFF_MINUTES
# on the web login, the admin login and POST /api/v1/auth/token alike. The
# database handler keeps the count in the one store every process shares even
# on the embedded default, and lists attempts in the admin for unlocking.
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = int(os.environ.get("CIVICGRID_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(
    minutes=float(os.environ.get("CIVICGRID_LOGIN_COOLOFF_MINUTES", "15"))
)
AXES_LOCKOUT_PARAMETERS = [["ip_address", "username"]]
AXES_RESET_ON_SUCCESS = True
AXES_DISABLE_ACCESS_LOG = True
AXES_CLIENT_IP_CALLABLE = "civicgrid.common.clientip.client_ip"
AXES_LOCKOUT_CALLABLE = "civicgrid.org.lockout.lockout_response"
# Keep axes' lockout warnings, not its start-up banner and per-attempt notes
# (every CLI command would print them; attempts are listed in the admin).
LOGGING["loggers"] = {**LOGGING.get("loggers", {}), "axes": {"level": "WARNING"}}

CONTENT_SECURITY_POLICY = content_security_policy(
    CIVICGRID,
    photo_origins(
        os.environ.get("CIVICGRID_S3_BUCKET", ""),
        os.environ.get("CIVICGRID_S3_ENDPOINT_URL", ""),
        os.environ.get("CIVICGRID_S3_REGION", ""),
    ),
    env_list("CIVICGRID_CSP_IMG_SRC", []),
)
