"""The language and time zone partner people read in: their own choice, else
their organization's; used for pages (on login and from the switcher), emails
and generated files."""

import zoneinfo
from contextlib import contextmanager

from django.conf import settings
from django.utils import timezone, translation
from wagtail.models import Locale

from .models import Membership, PartnerOrganization
from .request_memo import remembered_until_changed
from .tenancy import partner_context


def configured_locales() -> dict[str, Locale]:
    """Every Wagtail locale by language code, kept by the process until a
    locale changes (``programs.request_memo.remembered_until_changed``;
    reading requests only): the switcher and every ``.localized`` ask."""
    return remembered_until_changed("locales", _read_locales)


def _read_locales() -> dict[str, Locale]:
    return {locale.language_code: locale for locale in Locale.objects.all()}


def portal_languages() -> list[tuple[str, str]]:
    """The languages partners choose from: those of ``LANGUAGES`` with a
    Wagtail locale (Settings → Locales), so adding a locale in the admin adds
    the language to the switcher, the page trees and the strings screen."""
    configured = configured_locales()
    return [(code, name) for code, name in settings.LANGUAGES if code in configured]


def remember_language(response, language: str):
    """Set the cookie Django's ``set_language`` view writes, so the choice
    outlives the session."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response


def active_membership(user) -> Membership | None:
    if user is None or not getattr(user, "pk", None):
        return None
    # A portal partner's membership is the request's partner context (one per
    # user, remembered); others (e.g. a suspended organization's people) are looked up.
    partner = partner_context(user)
    if partner is not None:
        return partner.membership
    return Membership.objects.select_related("organization").filter(user=user, is_active=True).first()


def preferred_language(*, user=None, organization: PartnerOrganization | None = None) -> str:
    """``user``'s language when they are a partner person, else ``organization``'s,
    else the portal's default."""
    membership = active_membership(user)
    if membership is not None:
        return membership.language
    if organization is not None and organization.preferred_language:
        return organization.preferred_language
    return settings.LANGUAGE_CODE


def preferred_time_zone(*, user=None):
    membership = active_membership(user)
    if membership is not None and membership.time_zone:
        try:
            return zoneinfo.ZoneInfo(membership.time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            pass
    return timezone.get_default_timezone()


@contextmanager
def recipient_locale(*, user=None, organization: PartnerOrganization | None = None):
    """Render an email or a file for ``user`` (else ``organization``) in their
    language and time zone."""
    language = preferred_language(user=user, organization=organization)
    with translation.override(language), timezone.override(preferred_time_zone(user=user)):
        yield
