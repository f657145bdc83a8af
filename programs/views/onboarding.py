from django.conf import settings
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render

from portal.abuse import client_address, rate_limited, wait_message
from portal.permissions import USER_AND_PERMISSIONS_BACKEND

from ..forms import InvitationAcceptForm, PartnerApplicationForm
from ..services import onboarding as services
from ..services.onboarding import InvitationUnusable, invitation_for_token


def apply(request):
    """The public form a company fills in to join the program; a few
    submissions per address and hour (a bot cannot flood the review queue)."""
    form = PartnerApplicationForm(request.POST or None)
    if request.method == "POST":
        wait = rate_limited(
            "apply",
            client_address(request),
            limit=settings.APPLICATIONS_PER_HOUR_PER_ADDRESS,
            period_seconds=3600,
        )
        if wait is not None:
            form.is_valid()  # shows what was typed, with the reason on top
            form.add_error(None, wait_message(wait))
            response = render(request, "programs/apply.html", {"form": form}, status=429)
            response["Retry-After"] = str(wait)
            return response
        if form.is_valid() and form.submit():
            return redirect("programs:apply_done")
    return render(request, "programs/apply.html", {"form": form}, status=400 if form.errors else 200)


def apply_done(request):
    return render(request, "programs/apply_done.html")


def invitation_accept(request, token: str):
    """Set up the invited person's login; the link works once."""
    try:
        invitation = invitation_for_token(token)
    except InvitationUnusable as unusable:
        return render(request, "programs/invitation_unusable.html", {"message": str(unusable)}, status=410)
    form = InvitationAcceptForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(
                token=token,
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
                password=form.cleaned_data["password"],
            )
        except InvitationUnusable as unusable:
            return render(request, "programs/invitation_unusable.html", {"message": str(unusable)}, status=410)
        except ValidationError as error:
            form.add_error("password" if not hasattr(error, "message_dict") else None, error)
        else:
            login(request, user, backend=USER_AND_PERMISSIONS_BACKEND)
            return redirect("programs:dashboard")
    return render(
        request,
        "programs/invitation_accept.html",
        {"form": form, "invitation": invitation},
        status=400 if form.errors else 200,
    )
