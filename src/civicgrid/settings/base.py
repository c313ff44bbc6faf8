"""Base settings, fed from the environment (``CIVICGRID_*``)."""

import os
from pathlib import Path

from django.utils.translation import gettext_lazy as _

from civicgrid.settings.env import data_dir, database, env_bool, env_list, secret_key

PACKAGE_DIR = Path(__file__).resolve().parent.parent
PROJECT_DIR = PACKAGE_DIR.parent.parent
DATA_DIR = data_dir()

SECRET_KEY = secret_key(DATA_DIR)
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
    "django_tasks",
    "django_tasks_db",
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
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "org.User"
LOGIN_URL = "/accounts/login/"

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
# opt-in because the embedded default serves plain HTTP on 127.0.0.1.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
_behind_tls = env_bool("CIVICGRID_HTTPS", False)
SESSION_COOKIE_SECURE = _behind_tls
CSRF_COOKIE_SECURE = _behind_tls
SECURE_SSL_REDIRECT = _behind_tls
SECURE_HSTS_SECONDS = 31536000 if _behind_tls else 0
if _behind_tls:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Form fields and JSON bodies (not files) are small; file parts above 2.5 MB are spooled to
# disk rather than held in memory; the whole body is capped by BodyLimitMiddleware.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2621440

# CivicGrid domain settings (see docs/configuration.md).
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
    "TILE_CRS": os.environ.get("CIVICGRID_TILE_CRS", "wgs84"),
    "TILE_KEY": os.environ.get("CIVICGRID_TILE_KEY", ""),
    "TILE_ATTRIBUTION": os.environ.get("CIVICGRID_TILE_ATTRIBUTION", ""),
    "AUTH_CACHE_SECONDS": float(os.environ.get("CIVICGRID_AUTH_CACHE_SECONDS", "10")),
}
