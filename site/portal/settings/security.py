"""Limits against abuse: login lockout (django-axes), API throttles (Django
REST Framework, counted in the Django cache: Redis wherever REDIS_URL is set),
the public application form, co-branded generation, and the second factor
for staff (django-otp, see home/second_factor.py)."""

from datetime import timedelta

# Failed logins (partner and admin forms) per user name and address before a
# lockout, and how long it lasts. Counted in the database, so every process agrees.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
# Per name and address: one attacker cannot lock a partner out from elsewhere.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "portal.abuse.lockout_response"
AXES_VERBOSE = False

REST_FRAMEWORK = {
    # Bearer tokens for integrations and the session for the portal's own pages;
    # no HTTP Basic: a password must never travel with every API call.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "portal.api_auth.APITokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {"anon": "60/min", "user": "600/min"},
}

# Public partner applications per address.
APPLICATIONS_PER_HOUR_PER_ADDRESS = 5
# Co-branded files (a WeasyPrint render each) per organization.
COBRAND_GENERATIONS_PER_HOUR = 60

# The issuer authenticator apps show next to the staff member's code.
OTP_TOTP_ISSUER = "Partner Portal"
