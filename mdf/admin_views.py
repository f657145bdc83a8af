"""MDF pages of the Wagtail admin: generate and adjust allocations, review
requests and claims, record payments, the ROI report. Every action calls
mdf.services; every object is looked up through the staff member's portfolio
(programs.tenancy.scoped), so a CAM cannot act on another CAM's partners."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.formats import number_format
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST
from wagtail.admin.paginator import WagtailPaginator

from programs.exports import FORMATS, Table, table_response
from programs.tenancy import get_scoped_or_404, scoped

from .forms import AdjustForm, ClaimDecisionForm, DeadlineForm, PaymentForm, ReviewForm, add_service_errors
from .models import Allocation, Claim, ClaimStatus, FundRequest, MdfProgram, RequestStatus
from .roi import AMOUNTS, DIMENSIONS, roi_report, roi_rows
from .selectors import allocation_balance, ledger_lines
from .services.allocations import allocation_adjust, allocations_generate
from .services.claims import claim_approve, claim_pay, claim_reject
from .services.requests import (
    request_approve,
    request_ask_changes,
    request_extend_claim_deadline,
    request_may_review,
    request_reject,
)

REQUESTS = "wagtailsnippets_mdf_fundrequest:list"
CLAIMS = "wagtailsnippets_mdf_claim:list"
ALLOCATIONS = "wagtailsnippets_mdf_allocation:list"


def _require(request, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied


@require_POST
def program_generate(request, pk: int):
    _require(request, "mdf.add_allocation")
    program = get_object_or_404(MdfProgram, pk=pk)
    try:
        created = allocations_generate(program=program, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("wagtailsnippets_mdf_mdfprogram:list")
    messages.success(
        request,
        _("%(count)s allocations created for %(program)s. Adjust any of them with a reason.")
        % {"count": len(created), "program": program},
    )
    return redirect(ALLOCATIONS)


@require_http_methods(["GET", "POST"])
def allocation_detail(request, pk: int):
    _require(request, "mdf.view_allocation")
    allocation = get_scoped_or_404(Allocation.objects.select_related("program", "organization"), request.user, pk=pk)
    can_adjust = request.user.has_perm("mdf.change_allocation")
    form = AdjustForm(request.POST or None)
    if request.method == "POST":
        if not can_adjust:
            raise PermissionDenied
        if form.is_valid():
            try:
                allocation_adjust(allocation=allocation, actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Allocation adjusted; the ledger shows the new line."))
                return redirect("mdf_admin_allocation", pk=allocation.pk)
    return TemplateResponse(
        request,
        "mdf/admin/allocation.html",
        {
            "allocation": allocation,
            "balance": allocation_balance(allocation=allocation),
            "ledger": ledger_lines(allocation=allocation),
            "form": form,
            "can_adjust": can_adjust,
        },
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
def request_review(request, pk: int):
    _require(request, "mdf.view_fundrequest")
    requests = FundRequest.objects.select_related("organization", "allocation__program", "activity_type")
    fund_request = get_scoped_or_404(requests, request.user, pk=pk)
    may_review = request_may_review(user=request.user, request=fund_request)
    form = ReviewForm(request.POST or None)
    deadline_form = DeadlineForm(request.POST if "extend" in request.POST else None)
    if request.method == "POST":
        try:
            if "extend" in request.POST:
                _require(request, "mdf.change_fundrequest")
                if deadline_form.is_valid():
                    request_extend_claim_deadline(
                        request=fund_request, actor=request.user, **deadline_form.cleaned_data
                    )
                    messages.success(request, _("Claim deadline extended; the partner can claim until then."))
                    return redirect("mdf_admin_request", pk=pk)
            elif form.is_valid():
                note = form.cleaned_data["note"]
                if "approve" in request.POST:
                    request_approve(request=fund_request, actor=request.user, note=note)
                    messages.success(request, _("Approved. The partner has been told."))
                elif "changes" in request.POST:
                    request_ask_changes(request=fund_request, actor=request.user, reason=note)
                    messages.success(request, _("Sent back to the partner for changes."))
                elif "reject" in request.POST:
                    request_reject(request=fund_request, actor=request.user, reason=note)
                    messages.success(request, _("Rejected. The partner has been told why."))
                return redirect(REQUESTS)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    return TemplateResponse(
        request,
        "mdf/admin/request_review.html",
        {
            "fund_request": fund_request,
            "events": fund_request.events.select_related("actor"),
            "balance": allocation_balance(allocation=fund_request.allocation),
            "may_review": may_review and fund_request.status == RequestStatus.PENDING,
            "can_extend": request.user.has_perm("mdf.change_fundrequest")
            and fund_request.status == RequestStatus.APPROVED,
            "form": form,
            "deadline_form": deadline_form,
            "claim": Claim.objects.filter(request=fund_request).first(),
        },
    )


@require_http_methods(["GET", "POST"])
def claim_review(request, pk: int):
    _require(request, "mdf.view_claim")
    claims = Claim.objects.select_related("request__activity_type", "organization")
    claim = get_scoped_or_404(claims, request.user, pk=pk)
    decide = request.user.has_perm("mdf.review_fundrequest") and claim.status == ClaimStatus.SUBMITTED
    pay = request.user.has_perm("mdf.pay_claim") and claim.status == ClaimStatus.APPROVED
    decision_form = ClaimDecisionForm(request.POST if "approve" in request.POST or "reject" in request.POST else None)
    payment_form = PaymentForm(request.POST if "pay" in request.POST else None)
    if request.method == "POST":
        try:
            if "pay" in request.POST:
                if not pay:
                    raise PermissionDenied
                if payment_form.is_valid():
                    claim_pay(claim=claim, actor=request.user, **payment_form.cleaned_data)
                    messages.success(request, _("Payment recorded; the partner has been told."))
                    return redirect(CLAIMS)
            elif decision_form.is_valid():
                if not decide:
                    raise PermissionDenied
                data = decision_form.cleaned_data
                if "approve" in request.POST:
                    claim_approve(claim=claim, actor=request.user, amount=data["amount"], reason=data["reason"])
                    messages.success(request, _("Claim approved; it is now payable by Finance."))
                else:
                    claim_reject(claim=claim, actor=request.user, reason=data["reason"])
                    messages.success(request, _("Claim rejected; the committed funds are released."))
                return redirect(CLAIMS)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    return TemplateResponse(
        request,
        "mdf/admin/claim_review.html",
        {
            "claim": claim,
            "proofs": claim.proofs.all(),
            "events": claim.events.select_related("actor"),
            "can_decide": decide,
            "can_pay": pay,
            "decision_form": decision_form,
            "payment_form": payment_form,
        },
    )


#: groups on one page of the report (by partner there are thousands)
REPORT_PAGE_SIZE = 50


class ReportPaginator(WagtailPaginator):
    """Wagtail's admin paginator over the report's group count: the page's
    rows come from the database already cut (roi_report), not from a list."""

    def __init__(self, count: int, per_page: int):
        super().__init__(range(count), per_page)

    @cached_property
    def items_count_label(self):
        count = number_format(self.count, force_grouping=True)
        return ngettext("%(count)s row", "%(count)s rows", self.count) % {"count": count}


def _report_query(request):
    dimension = request.GET.get("by") if request.GET.get("by") in DIMENSIONS else "activity_type"
    requests = scoped(FundRequest.objects.all(), request.user)
    program = request.GET.get("program")
    if program and program.isdigit():
        requests = requests.filter(allocation__program_id=int(program))
    return dimension, requests


def _report_page(request, requests, dimension: str):
    """The page of groups asked for (``?p=``), the totals and Wagtail's pager;
    a page that does not exist shows the nearest one with a notice."""
    asked = request.GET.get("p", "1")
    number = int(asked) if asked.isdigit() and int(asked) > 0 else 1

    def fetch(page_number: int):
        offset = (page_number - 1) * REPORT_PAGE_SIZE
        return roi_report(requests, dimension=dimension, offset=offset, limit=REPORT_PAGE_SIZE, committed_only=True)

    report = fetch(number)
    paginator = ReportPaginator(report.count, REPORT_PAGE_SIZE)
    page = paginator.get_page(number)
    if page.number != number:
        report = fetch(page.number)
    notice = ""
    if str(page.number) != asked:
        notice = _("There is no page %(asked)s: this is page %(page)s of %(pages)s.") % {
            "asked": asked[:12],
            "page": page.number,
            "pages": paginator.num_pages,
        }
    page.object_list = report.rows
    return report, paginator, page, notice


def report(request):
    """Approved, claimed and paid funds with leads, registrations, pipeline,
    won revenue and won revenue per MDF dollar, by a chosen dimension: one
    page of groups with the totals over all of them; the download holds every group."""
    _require(request, "mdf.view_fundrequest")
    dimension, requests = _report_query(request)
    export = request.GET.get("export")
    if export in FORMATS:
        rows = roi_rows(requests, dimension=dimension, committed_only=True)
        return table_response(_report_table(rows, dimension), export)
    report, paginator, page, notice = _report_page(request, requests, dimension)
    if notice:
        messages.warning(request, notice)
    charted = report.rows[:15]
    top = max((row.won_per_dollar or 0 for row in charted), default=0) or 1
    return TemplateResponse(
        request,
        "mdf/admin/report.html",
        {
            "rows": report.rows,
            "totals": report.totals,
            "page_obj": page,
            "paginator": paginator,
            "elided_page_range": paginator.get_elided_page_range(page.number),
            "dimension": dimension,
            "dimension_label": DIMENSIONS[dimension][2],
            "dimensions": [(key, label) for key, (_k, _l, label) in DIMENSIONS.items() if key != "request"],
            "programs": MdfProgram.objects.all(),
            "program": request.GET.get("program", ""),
            "chart": [(row, int(100 * (row.won_per_dollar or 0) / top)) for row in charted],
        },
    )


def _report_table(rows, dimension: str) -> Table:
    columns = {
        "label": str(DIMENSIONS[dimension][2]),
        "currency": _("Currency"),
        "approved": _("Approved"),
        "claimed": _("Claimed"),
        "paid": _("Paid"),
        "leads": _("Leads"),
        "registrations": _("Registrations"),
        "pipeline": _("Pipeline"),
        "won_revenue": _("Won revenue"),
        "won_per_dollar": _("Won revenue per MDF dollar"),
    }
    money = dict.fromkeys(AMOUNTS, "currency")
    return Table(f"mdf-report-{dimension}", columns, rows, title=_("MDF ROI report"), money=money)
