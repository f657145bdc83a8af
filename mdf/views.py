"""Partner-facing MDF pages: thin views over selectors and services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from deals.selectors import deal_list
from programs.files import private_file_response
from programs.tenancy import partner_context, partner_required

from . import selectors
from .forms import CancelForm, ClaimForm, FundRequestForm, LeadUploadForm, LinkDealForm, add_service_errors
from .models import FundRequest, RequestStatus
from .roi import roi_for_requests
from .services.claims import activity_leads_import, activity_link_deal, claim_submit
from .services.requests import request_cancel, request_resubmit, request_submit
from .validators import PROOF_MAX_FILES

#: Who may see the funds, and who may request and claim them.
VIEW_ROLES = ("owner", "marketing", "finance")
REQUEST_ROLES = ("owner", "marketing")


@partner_required(*VIEW_ROLES)
def home(request):
    """Balance by program with its ledger, requests and claims with their next step."""
    requests = list(selectors.request_list(user=request.user)[:50])
    figures = roi_for_requests(FundRequest.objects.filter(pk__in=[r.pk for r in requests]))
    for fund_request in requests:
        fund_request.roi = figures.get(fund_request.pk)
    selectors.localized_activity_types(requests)
    balances = selectors.allocation_balances(user=request.user)
    today = timezone.localdate()
    # The current allocation is among the balances (the partner's own allocations, programs loaded).
    has_allocation = any(
        allocation.organization_id == request.partner.organization.pk
        and allocation.program.is_active
        and allocation.program.starts_on <= today <= allocation.program.ends_on
        for allocation, _balance in balances
    )
    return render(
        request,
        "mdf/home.html",
        {
            "balances": balances,
            "fund_requests": requests,
            "can_request": request.partner.has_role(*REQUEST_ROLES),
            "has_allocation": has_allocation,
        },
    )


@partner_required(*VIEW_ROLES)
def ledger(request, allocation_id):
    allocation = selectors.allocation_get(user=request.user, pk=allocation_id)
    return render(
        request,
        "mdf/ledger.html",
        {
            "allocation": allocation,
            "balance": selectors.allocation_balance(allocation=allocation),
            "lines": selectors.ledger_lines(allocation=allocation),
        },
    )


@partner_required(*REQUEST_ROLES)
def request_new(request):
    organization = request.partner.organization
    allocation = selectors.current_allocation(organization=organization)
    form = FundRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            fund_request = request_submit(
                organization=organization, submitted_by=request.user, allocation=allocation, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if fund_request.status == RequestStatus.APPROVED:
                messages.success(request, _("Approved at once. Run your activity, then claim it with proof."))
            else:
                messages.success(request, _("Request sent. You will be told when it is reviewed."))
            return redirect("mdf:request_detail", pk=fund_request.pk)
    balance = selectors.allocation_balance(allocation=allocation) if allocation else None
    return render(
        request,
        "mdf/request_form.html",
        {"form": form, "allocation": allocation, "balance": balance},
        status=400 if form.is_bound and form.errors else 200,
    )


def _linkable_deals(request):
    return deal_list(user=request.user).filter(mdf_activity__isnull=True).only("pk", "company_name", "submitted_at")


def _detail(request, fund_request, *, edit_form=None, lead_form=None, link_form=None, status=200):
    can_act = request.partner.has_role(*REQUEST_ROLES)
    return render(
        request,
        "mdf/request_detail.html",
        {
            "fund_request": fund_request,
            "events": selectors.request_timeline(request=fund_request),
            "claim": getattr(fund_request, "claim", None) if hasattr(fund_request, "claim") else None,
            "roi": roi_for_requests(selectors.request_list(user=request.user).filter(pk=fund_request.pk)).get(
                fund_request.pk
            ),
            "can_edit": can_act and fund_request.status == RequestStatus.CHANGES_REQUESTED,
            "can_claim": can_act and fund_request.status == RequestStatus.APPROVED,
            "can_cancel": can_act
            and fund_request.status in (RequestStatus.PENDING, RequestStatus.CHANGES_REQUESTED, RequestStatus.APPROVED),
            "can_add_leads": can_act
            and fund_request.status in (RequestStatus.APPROVED, RequestStatus.CLAIMED, RequestStatus.CLOSED),
            "edit_form": edit_form or FundRequestForm(instance=fund_request),
            "lead_form": lead_form or LeadUploadForm(),
            "cancel_form": CancelForm(),
            "link_form": link_form or LinkDealForm(deals=_linkable_deals(request)[:200]),
            "linked_deals": fund_request.activity_deals.select_related("deal"),
        },
        status=status,
    )


@partner_required(*VIEW_ROLES)
def request_detail(request, pk):
    fund_request = selectors.request_get(user=request.user, pk=pk)
    if request.method == "POST":
        if not request.partner.has_role(*REQUEST_ROLES):
            return _detail(request, fund_request, status=403)
        form = FundRequestForm(request.POST, instance=selectors.request_get(user=request.user, pk=pk))
        if form.is_valid():
            try:
                request_resubmit(request=fund_request, actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Changes sent. Your request is back with the reviewer."))
                return redirect("mdf:request_detail", pk=pk)
        return _detail(request, selectors.request_get(user=request.user, pk=pk), edit_form=form, status=400)
    return _detail(request, fund_request)


@require_POST
@partner_required(*REQUEST_ROLES)
def request_cancel_view(request, pk):
    fund_request = selectors.request_get(user=request.user, pk=pk)
    try:
        request_cancel(request=fund_request, actor=request.user, reason=request.POST.get("reason", ""))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Request cancelled. Any approved funds are back in your balance."))
    return redirect("mdf:request_detail", pk=pk)


@partner_required(*REQUEST_ROLES)
def claim_new(request, pk):
    fund_request = selectors.request_get(user=request.user, pk=pk)
    form = ClaimForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            claim_submit(
                request=fund_request,
                submitted_by=request.user,
                proofs=request.FILES.getlist("proofs"),
                **form.cleaned_data,
            )
        except ValidationError as error:
            add_service_errors(form, error)
            if hasattr(error, "error_dict") and "proofs" in error.message_dict:
                form.proof_errors = error.message_dict["proofs"]
        else:
            messages.success(request, _("Claim sent with its proof. You will be told when it is reviewed and paid."))
            return redirect("mdf:request_detail", pk=pk)
    return render(
        request,
        "mdf/claim_form.html",
        {
            "form": form,
            "fund_request": fund_request,
            "proof_errors": getattr(form, "proof_errors", []),
            "max_files": PROOF_MAX_FILES,
        },
        status=400 if form.is_bound and (form.errors or getattr(form, "proof_errors", None)) else 200,
    )


@require_POST
@partner_required(*REQUEST_ROLES)
def leads_upload(request, pk):
    fund_request = selectors.request_get(user=request.user, pk=pk)
    form = LeadUploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            result = activity_leads_import(
                request=fund_request,
                actor=request.user,
                data=form.cleaned_data["file"].read(),
                column_map=form.column_map(),
            )
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            if not result.errors:
                messages.success(
                    request,
                    _("%(count)s leads added. Find them under Deals → Leads to register them.")
                    % {"count": len(result.leads)},
                )
                return redirect("mdf:request_detail", pk=pk)
            form.add_error("file", result.errors)
    return _detail(request, fund_request, lead_form=form, status=400)


@require_POST
@partner_required(*REQUEST_ROLES)
def deal_link(request, pk):
    fund_request = selectors.request_get(user=request.user, pk=pk)
    form = LinkDealForm(request.POST, deals=_linkable_deals(request))
    if form.is_valid():
        try:
            activity_link_deal(request=fund_request, deal=form.cleaned_data["deal"], actor=request.user)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Registration linked: its pipeline and won revenue count for this activity."))
            return redirect("mdf:request_detail", pk=pk)
    return _detail(request, fund_request, link_form=form, status=400)


@login_required
def proof_download(request, pk):
    """A proof file, for its organization's people who see MDF, and vendor
    staff who may see claims (within their portfolio); 404 for anyone else."""
    context = partner_context(request.user)
    if context is not None and not context.has_role(*VIEW_ROLES):
        raise Http404
    if context is None and not request.user.has_perm("mdf.view_claim"):
        raise Http404
    proof = selectors.proof_get(user=request.user, pk=pk)
    return private_file_response(proof.file, filename=proof.original_name, content_type=proof.content_type)
