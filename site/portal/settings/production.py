"""Production: refuses to start without a secret and explicit hosts."""

from django.core.exceptions import ImproperlyConfigured

from . import environment as env
from .base import *  # noqa: F403

if not env.SECRET_KEY or len(env.SECRET_KEY) < 50:
    raise ImproperlyConfigured("SECRET_KEY must be set to a random value of at least 50 characters.")
if not env.ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must name the portal's host names.")

DEBUG = False
SECRET_KEY = env.SECRET_KEY

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = True
# /healthz/ is probed by load balancers over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]
SECURE_HSTS_SECONDS = 31_536_000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
# Wagtail overrides this to SAMEORIGIN on its preview views only.
X_FRAME_OPTIONS = "DENY"
