"""Becoming a partner: the public application and its review."""

from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ..models import ApplicationStatus, OrganizationStatus, PartnerApplication, PartnerOrganization


def email_domain_from_website(website: str) -> str:
    """``https://www.Example.com/about`` → ``example.com``."""
    host = (urlsplit(website if "//" in website else f"//{website}").hostname or "").lower().rstrip(".")
    return host.removeprefix("www.")


@transaction.atomic
def application_submit(**fields) -> PartnerApplication:
    """Store a company's application after checking it is not a duplicate.

    The company is identified by its web domain: an application under review
    or an existing partner with that domain refuses the new one, with a
    message saying which."""
    application = PartnerApplication(**fields)
    application.email_domain = email_domain_from_website(application.website)
    application.full_clean()
    contact_domain = application.contact_email.rsplit("@", 1)[-1].lower()
    if contact_domain != application.email_domain and not contact_domain.endswith(f".{application.email_domain}"):
        raise ValidationError(
            {
                "contact_email": _("Use an address at %(domain)s so we can verify the company.")
                % {"domain": application.email_domain}
            }
        )
    existing_partner = PartnerOrganization.objects.filter(email_domain=application.email_domain).exclude(
        status=OrganizationStatus.TERMINATED
    )
    if existing_partner.exists():
        raise ValidationError(
            {
                "website": _("%(domain)s is already a partner; ask your colleagues for an invitation.")
                % {"domain": application.email_domain}
            }
        )
    pending = PartnerApplication.objects.select_for_update().filter(
        email_domain=application.email_domain, status=ApplicationStatus.PENDING
    )
    if pending.exists():
        raise ValidationError(
            {
                "website": _("An application for %(domain)s is already under review.")
                % {"domain": application.email_domain}
            }
        )
    application.save()
    return application
