"""Settings shared by every environment. Environment variables are read in
``environment.py`` only; each integration has its own module."""

from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from . import environment as env
from .celery import *  # noqa: F403
from .email import *  # noqa: F403
from .search import *  # noqa: F403
from .security import *  # noqa: F403

PORTAL_DIR = Path(__file__).resolve().parent.parent
BASE_DIR = PORTAL_DIR.parent.parent

#: "production" where portal.settings.production is in force (commands that
#: create known passwords refuse to run there).
PORTAL_ENVIRONMENT = "development"
SECRET_KEY = env.SECRET_KEY
DEBUG = bool(env.DEBUG)
ALLOWED_HOSTS = env.ALLOWED_HOSTS or ["127.0.0.1", "localhost"]
CSRF_TRUSTED_ORIGINS = env.CSRF_TRUSTED_ORIGINS

INSTALLED_APPS = [
    "home",
    "programs",
    "content",
    "deals",
    "mdf",
    "incentives",
    "search",
    "support",
    "webhooks",
    "training",
    "analytics",
    "interface_strings",
    "wagtail_localize",
    "wagtail_localize.locales",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.sitemaps",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    "wagtail.api.v2",
    "rest_framework",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "guardian",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # Trigram lookups for deal conflict detection (active on PostgreSQL only).
    "django.contrib.postgres",
]

MIDDLEWARE = [
    # First: every later reader of REMOTE_ADDR (lockouts, rate limits) sees the client.
    "portal.proxy.forwarded_client_address",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # The shared cache's keys every request reads, in one round trip (the two below).
    "portal.cache.keys_read_together",
    # Translations the Localization team published in the admin (one cache read).
    "interface_strings.overrides.published_translations",
    "programs.middleware.remembered_language",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Staff reach the admin only after their second factor (after authentication).
    "home.second_factor.StaffSecondFactorMiddleware",
    # Before the time zone: the membership it reads is then read as a reading
    # request's (with the person's certifications, programs.tenancy.partner_context).
    "programs.middleware.scoped_reads_remembered",
    "programs.middleware.partner_time_zone",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Turns a login lockout into the lockout page; last, as django-axes asks.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PORTAL_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

if env.DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(env.DATABASE_URL, conn_max_age=60)}
    # The statements every signed-in request runs (programs.compiled) are
    # prepared once per database session; the ORM's others never are. A
    # pooler that hands each transaction another session (PgBouncer's
    # transaction mode) needs DATABASE_PREPARED_STATEMENTS=false.
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = (
            5 if env.DATABASE_PREPARED_STATEMENTS else None
        )
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": BASE_DIR / "db.sqlite3",
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

if env.REDIS_URL:
    CACHES = {
        "default": {
            # Django's Redis backend, one client per connection pool (portal.cache).
            "BACKEND": "portal.cache.RedisCache",
            "LOCATION": env.REDIS_URL,
            "KEY_PREFIX": "portal",
            # An unreachable Redis costs each cache call a second at most (one
            # that connects but does not answer, five): the cache then answers
            # as an empty one (portal.cache.RedisCache).
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 5},
        }
    }

# Django's database sessions, read by a query compiled once per process.
SESSION_ENGINE = "portal.sessions"

AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out login before any password is checked.
    "portal.abuse.LoginLockoutBackend",
    # Django's ModelBackend, reading a session's user and their permissions in one query.
    "portal.permissions.UserAndPermissionsBackend",
    "guardian.backends.ObjectPermissionBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/dashboard/"
LOGOUT_REDIRECT_URL = "/"

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("fr", _("French")),
    ("de", _("German")),
    ("es", _("Spanish")),
    ("ja", _("Japanese")),
    ("ar", _("Arabic")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

WAGTAIL_I18N_ENABLED = True
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES

STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
]
STATICFILES_DIRS = [PORTAL_DIR / "static"]
STATIC_ROOT = env.STATIC_ROOT or BASE_DIR / "static"
STATIC_URL = "/static/"
MEDIA_ROOT = env.MEDIA_ROOT or BASE_DIR / "media"
MEDIA_URL = "/media/"
#: Files only permission-checked views may serve (data exports…): outside the
#: public media root, so a web server that serves /media/ never exposes them.
PRIVATE_MEDIA_ROOT = env.PRIVATE_MEDIA_ROOT or BASE_DIR / "private-media"
#: nginx internal location mapped to PRIVATE_MEDIA_ROOT (README, Production); empty: Django sends the file
PRIVATE_FILES_ACCEL_PREFIX = env.PRIVATE_FILES_ACCEL_PREFIX
#: Reverse proxies that append the client's address to X-Forwarded-For (portal.proxy).
TRUSTED_PROXY_COUNT = env.TRUSTED_PROXY_COUNT
STORAGES = {
    # Wagtail documents go to PRIVATE_MEDIA_ROOT (programs.files.MediaStorage).
    "default": {"BACKEND": "programs.files.MediaStorage"},
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_MEDIA_ROOT, "base_url": None},
    },
    # Fingerprinted names (cached for a year) and gzip/brotli copies served by
    # WhiteNoise; with DEBUG (make run) the plain names are served from the apps.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Wagtail's page editor posts many fields for complex pages.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

WAGTAIL_SITE_NAME = "Partner Portal"
WAGTAILADMIN_BASE_URL = env.BASE_URL
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "key", "odt", "pdf", "pptx", "rtf", "txt", "xlsx", "zip"]
WAGTAILDOCS_MAX_UPLOAD_SIZE = 50 * 1024 * 1024
# Documents are always sent by Wagtail's serve view (audience hooks), through
# programs.files.sendfile (X-Accel-Redirect behind nginx).
WAGTAILDOCS_SERVE_METHOD = "serve_view"
SENDFILE_BACKEND = "programs.files"
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "portal": {"level": "INFO"},
        "django.request": {"level": "ERROR"},
    },
}
