"""Vendor review of partner applications (Wagtail admin)."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ..forms import ApplicationRejectForm
from ..models import PartnerApplication, PartnerOrganization
from ..services.onboarding import application_approve, application_reject

LISTING = "wagtailsnippets_programs_partnerapplication:list"


def _review_permission(request):
    if not request.user.has_perm("programs.change_partnerapplication"):
        raise PermissionDenied


@require_http_methods(["GET", "POST"])
def review(request, pk: int):
    _review_permission(request)
    application = get_object_or_404(PartnerApplication, pk=pk)
    reject_form = ApplicationRejectForm(request.POST or None)
    if request.method == "POST":
        try:
            if "approve" in request.POST:
                organization, _invitation = application_approve(
                    application=application, actor=request.user, base_url=settings.WAGTAILADMIN_BASE_URL
                )
                messages.success(
                    request, _("%(name)s approved; the owner invitation is on its way.") % {"name": organization.name}
                )
                return redirect(LISTING)
            if reject_form.is_valid():
                application_reject(
                    application=application, actor=request.user, reason=reject_form.cleaned_data["reason"]
                )
                messages.success(request, _("Application rejected; the applicant has been told why."))
                return redirect(LISTING)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    duplicates = {
        "applications": PartnerApplication.objects.filter(email_domain=application.email_domain).exclude(
            pk=application.pk
        ),
        "organizations": PartnerOrganization.objects.filter(name__icontains=application.company_name.split()[0]),
    }
    return TemplateResponse(
        request,
        "programs/admin/application_review.html",
        {"application": application, "reject_form": reject_form, "duplicates": duplicates},
    )
