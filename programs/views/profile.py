from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from ..forms import AgreementAcceptForm, OrganizationProfileForm
from ..metrics import current_agreement
from ..services.onboarding import agreement_accept as accept_agreement
from ..services.onboarding import organization_profile_update
from ..tenancy import partner_required


@partner_required("owner", "marketing")
def organization_profile(request):
    organization = request.partner.organization
    form = OrganizationProfileForm(request.POST or None, request.FILES or None, instance=organization)
    if request.method == "POST" and form.is_valid():
        organization_profile_update(organization=organization, form=form)
        messages.success(request, _("Your company profile is saved."))
        return redirect("programs:organization_profile")
    if form.errors:
        # An invalid upload must not leave the in-memory instance half-changed.
        organization.refresh_from_db()
    return render(
        request,
        "programs/profile.html",
        {"form": form, "organization": organization},
        status=400 if form.errors else 200,
    )


@partner_required("owner")
def agreement_accept(request):
    agreement = current_agreement(timezone.now())
    form = AgreementAcceptForm(request.POST or None)
    if agreement and request.method == "POST" and form.is_valid():
        accept_agreement(
            organization=request.partner.organization,
            user=request.user,
            agreement=agreement,
            ip_address=request.META.get("REMOTE_ADDR"),
        )
        messages.success(request, _("Thank you: the agreement is accepted."))
        return redirect("programs:dashboard")
    accepted = bool(agreement and agreement.acceptances.filter(organization=request.partner.organization).exists())
    return render(request, "programs/agreement.html", {"agreement": agreement, "form": form, "accepted": accepted})
