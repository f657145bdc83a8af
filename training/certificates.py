"""The certificate (PDF) and badge (PNG) of an earned certification, laid out
by WeasyPrint from templates and rasterised by PDFium like co-branded files,
in the holder's language and time zone."""

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from content.rendering import render_pdf, render_png
from programs.languages import recipient_locale
from programs.models import PersonCertification

BADGE_WIDTH = 600


def verification_url(held: PersonCertification) -> str:
    path = reverse("verify_certificate", args=[held.verification_code])
    return f"{settings.WAGTAILADMIN_BASE_URL.rstrip('/')}{path}"


def _html(held: PersonCertification, template: str) -> str:
    with recipient_locale(user=held.user):
        return render_to_string(
            template,
            {
                "held": held,
                "name": held.user.get_full_name() or held.user.get_username(),
                "verification_url": verification_url(held),
            },
        )


def certificate_pdf(held: PersonCertification) -> bytes:
    return render_pdf(_html(held, "training/certificate_document.html"))


def certificate_badge_png(held: PersonCertification) -> bytes:
    return render_png(render_pdf(_html(held, "training/badge_document.html")), width=BADGE_WIDTH)
