"""Data rights: the owner's export of the organization's data, and the vendor
admin's erasure of a person (Wagtail admin)."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from ..files import private_file_response
from ..forms import PersonErasureForm
from ..models import Membership
from ..selectors import organization_exports
from ..services.data_rights import organization_export_request, person_erase
from ..tenancy import partner_required


@require_http_methods(["GET", "POST"])
@partner_required("owner")
def data_export(request):
    organization = request.partner.organization
    if request.method == "POST":
        try:
            organization_export_request(organization=organization, requested_by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _(
                    "We are preparing your export. It appears below in a few minutes, and we e-mail you when it "
                    "is ready."
                ),
            )
        return redirect("programs:data_export")
    return render(request, "programs/data_export.html", {"exports": organization_exports(request.partner)})


@require_GET
@partner_required("owner")
def data_export_download(request, export_id):
    export = organization_exports(request.partner).filter(pk=export_id).first()
    if export is None or not export.downloadable:
        raise Http404(_("This export is not available (any more)."))
    return private_file_response(
        export.file, filename=export.file.name.rsplit("/", 1)[-1], content_type="application/zip"
    )


@require_http_methods(["GET", "POST"])
def person_erase_view(request):
    """Find a person by e-mail, show what will happen, erase on confirmation."""
    if not request.user.has_perm("programs.erase_person"):
        raise PermissionDenied
    form = PersonErasureForm(request.POST or request.GET or None)
    person = memberships = None
    if form.is_valid():
        person = get_user_model().objects.filter(email__iexact=form.cleaned_data["email"]).first()
        if person is None:
            form.add_error("email", _("Nobody has this e-mail address."))
        else:
            memberships = Membership.objects.filter(user=person).select_related("organization")
            if request.method == "POST" and form.cleaned_data["confirm"]:
                try:
                    person_erase(user=person, actor=request.user)
                except ValidationError as error:
                    form.add_error(None, error)
                else:
                    messages.success(
                        request,
                        _("The personal data of %(email)s was erased; their business records stay, anonymous.")
                        % {"email": form.cleaned_data["email"]},
                    )
                    return redirect("programs_person_erase")
            elif request.method == "POST":
                form.add_error("confirm", _("Tick the box to confirm that this cannot be undone."))
    return TemplateResponse(
        request, "programs/admin/person_erase.html", {"form": form, "person": person, "memberships": memberships}
    )
