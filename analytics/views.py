"""The partner's scorecard page and its PDF: thin views over ``scorecard``."""

from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.text import slugify

from content.rendering import render_pdf
from programs.tenancy import partner_required

from .scorecard import organization_scorecard, partner_links

#: the scorecard shows the whole organization's commercial figures
SCORECARD_ROLES = ("owner",)


def scorecard_pdf_response(request, card) -> HttpResponse:
    """The scorecard laid out for print, as an attachment."""
    html = render_to_string(
        "analytics/scorecard_pdf.html",
        {"card": card, "language": translation.get_language(), "generated_at": timezone.now()},
        request=request,
    )
    response = HttpResponse(render_pdf(html), content_type="application/pdf")
    name = f"scorecard-{slugify(card.organization.name)}-{card.quarters[-1].year}-q{card.quarters[-1].number}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@partner_required(*SCORECARD_ROLES)
def scorecard(request):
    """The organization's figures for the last four quarters against its tier's targets."""
    card = organization_scorecard(organization=request.partner.organization, links=partner_links())
    return render(request, "analytics/scorecard.html", {"card": card})


@partner_required(*SCORECARD_ROLES)
def scorecard_pdf(request):
    card = organization_scorecard(organization=request.partner.organization)
    return scorecard_pdf_response(request, card)
