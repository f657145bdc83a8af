"""Partner-facing deal registration: thin views over selectors and services."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from programs.files import private_file_response
from programs.models import ProgramSettings
from programs.tenancy import partner_required

from . import selectors, services
from .forms import DealRegistrationForm, ReasonForm, StageForm, add_service_errors
from .models import DealStatus, ExtensionStatus, LeadStatus, attachment_filename
from .services import leads as lead_services
from .services.leads import LEAD_ROLES, lead_deal_initial

REGISTER_ROLES = ("sales", "owner")
#: the confirmation after every registration, with what happens next
REGISTERED_NEXT_STEP = gettext_lazy(
    "Deal registered. Channel operations review it, usually within two working days; you get an e-mail when "
    "they decide, and its status is shown below and in Deals."
)


@partner_required()
def deal_list(request):
    page = Paginator(selectors.deal_list(user=request.user), 25).get_page(request.GET.get("page"))
    return render(
        request,
        "deals/deal_list.html",
        {
            "page": page,
            "deals": page.object_list,
            "can_register": request.partner.has_role(*REGISTER_ROLES),
            "open_leads": selectors.lead_open_count(user=request.user) if request.partner.has_role(*LEAD_ROLES) else 0,
            "can_see_leads": request.partner.has_role(*LEAD_ROLES),
        },
    )


@partner_required(*REGISTER_ROLES)
def deal_new(request):
    organization = request.partner.organization
    currency = ProgramSettings.load().program_currency
    if request.method == "POST":
        form = DealRegistrationForm(
            request.POST, request.FILES, organization=organization, currency=currency, with_extras=True
        )
        if form.is_valid():
            fields, extras = form.split_extras()
            try:
                deal = services.deal_register(
                    organization=organization, submitted_by=request.user, extras=extras, **fields
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, REGISTERED_NEXT_STEP)
                return redirect("deals:detail", pk=deal.pk)
    else:
        form = DealRegistrationForm(organization=organization, currency=currency, with_extras=True)
    status = 400 if form.is_bound else 200
    return render(request, "deals/deal_form.html", {"form": form}, status=status)


def _detail(request, deal, *, stage_form=None, extension_form=None, info_form=None, status=200):
    can_act = request.partner.has_role(*REGISTER_ROLES)
    return render(
        request,
        "deals/deal_detail.html",
        {
            "deal": deal,
            "events": selectors.deal_timeline(deal=deal),
            "product_lines": deal.lines.select_related("product_line"),
            "stage_form": stage_form or StageForm(initial={"stage": deal.stage}),
            "extension_form": extension_form or ReasonForm(),
            "info_form": info_form or ReasonForm(),
            "can_update_stage": can_act and deal.is_active,
            "can_extend": can_act and deal.status == DealStatus.APPROVED and not deal.extension_status,
            "can_provide_info": can_act and deal.status == DealStatus.MORE_INFO_REQUESTED,
            "extension_requested": deal.extension_status == ExtensionStatus.REQUESTED,
        },
        status=status,
    )


@partner_required()
def deal_detail(request, pk):
    return _detail(request, selectors.deal_get(user=request.user, pk=pk))


@require_GET
@partner_required()
def deal_attachment(request, pk):
    """The file attached to a registration, for the people who may see it."""
    deal = selectors.deal_get(user=request.user, pk=pk)
    if not deal.attachment:
        raise Http404(_("This registration has no attachment."))
    return private_file_response(deal.attachment, filename=attachment_filename(deal))


def _deal_action(request, pk, *, form_class, form_slot: str, act, done: str):
    """POST handler shared by the partner's deal actions: validate the form,
    run the service, show its refusals on the form."""
    deal = selectors.deal_get(user=request.user, pk=pk, action="change")
    form = form_class(request.POST)
    if form.is_valid():
        try:
            act(deal, form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, done)
            return redirect("deals:detail", pk=deal.pk)
    return _detail(request, deal, status=400, **{form_slot: form})


@require_POST
@partner_required(*REGISTER_ROLES)
def deal_stage(request, pk):
    return _deal_action(
        request,
        pk,
        form_class=StageForm,
        form_slot="stage_form",
        done=_("Stage updated."),
        act=lambda deal, data: services.deal_update_stage(deal=deal, actor=request.user, **data),
    )


@require_POST
@partner_required(*REGISTER_ROLES)
def deal_extend(request, pk):
    return _deal_action(
        request,
        pk,
        form_class=ReasonForm,
        form_slot="extension_form",
        done=_("Extension requested; channel operations will answer."),
        act=lambda deal, data: services.deal_request_extension(deal=deal, actor=request.user, reason=data["reason"]),
    )


@require_POST
@partner_required(*REGISTER_ROLES)
def deal_respond(request, pk):
    return _deal_action(
        request,
        pk,
        form_class=ReasonForm,
        form_slot="info_form",
        done=_("Thank you; the registration is back under review."),
        act=lambda deal, data: services.deal_provide_info(deal=deal, actor=request.user, answer=data["reason"]),
    )


# Leads ----------------------------------------------------------------------


@partner_required(*LEAD_ROLES)
def lead_list(request):
    page = Paginator(selectors.lead_list(user=request.user), 25).get_page(request.GET.get("page"))
    return render(request, "deals/lead_list.html", {"page": page, "leads": page.object_list})


def _lead_detail(request, lead, *, decline_form=None, convert_form=None, status=200):
    if convert_form is None and lead.status == LeadStatus.ACCEPTED:
        convert_form = DealRegistrationForm(
            initial=lead_deal_initial(lead),
            organization=request.partner.organization,
            currency=lead.currency or ProgramSettings.load().program_currency,
            with_extras=True,
        )
    return render(
        request,
        "deals/lead_detail.html",
        {
            "lead": lead,
            "product_lines": lead.product_lines.all(),
            "events": selectors.lead_timeline(lead=lead),
            "can_answer": lead.is_open_offer,
            "decline_form": decline_form or ReasonForm(),
            "convert_form": convert_form,
        },
        status=status,
    )


@partner_required(*LEAD_ROLES)
def lead_detail(request, pk):
    return _lead_detail(request, selectors.lead_get(user=request.user, pk=pk))


@require_POST
@partner_required(*LEAD_ROLES)
def lead_accept(request, pk):
    lead = selectors.lead_get(user=request.user, pk=pk, action="change")
    try:
        lead_services.lead_accept(lead=lead, actor=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Lead accepted. Register it as a deal when you are ready."))
    return redirect("deals:lead_detail", pk=lead.pk)


@require_POST
@partner_required(*LEAD_ROLES)
def lead_decline(request, pk):
    lead = selectors.lead_get(user=request.user, pk=pk, action="change")
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            lead_services.lead_decline(lead=lead, actor=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Lead declined; it will be offered to another partner."))
            return redirect("deals:lead_list")
    return _lead_detail(request, lead, decline_form=form, status=400)


@require_POST
@partner_required(*LEAD_ROLES)
def lead_convert(request, pk):
    lead = selectors.lead_get(user=request.user, pk=pk, action="change")
    form = DealRegistrationForm(
        request.POST, request.FILES, organization=request.partner.organization, currency=lead.currency, with_extras=True
    )
    if form.is_valid():
        fields, extras = form.split_extras()
        fields.pop("idempotency_key", None)
        try:
            deal = lead_services.lead_convert(lead=lead, actor=request.user, extras=extras, **fields)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, REGISTERED_NEXT_STEP)
            return redirect("deals:detail", pk=deal.pk)
    return _lead_detail(request, lead, convert_form=form, status=400)
