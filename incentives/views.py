"""Partner pages of incentives: thin views over selectors and services."""

import csv

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from content.rendering import render_pdf
from deals.forms import add_service_errors
from programs.exports import defused
from programs.formats import money
from programs.tenancy import partner_required

from . import selectors
from .forms import DisputeForm, DisputeReplyForm, EarningsFilterForm
from .models import DisputeStatus, IncentiveProgram, ProgramKind
from .services import disputes
from .services.enrollments import enrollment_opt_in
from .services.statements import statement_totals

#: who sees earnings (sales their commissions, owners and finance everything)
EARNINGS_ROLES = ("owner", "sales", "finance")
#: who sees statements and disputes, and may dispute a line
STATEMENT_ROLES = disputes.DISPUTING_ROLES


@partner_required(*EARNINGS_ROLES)
def earnings(request):
    lines = selectors.visible_lines(user=request.user)
    summary = selectors.earnings_summary(lines=lines)
    form = EarningsFilterForm(request.GET or None, programs=summary.programs)
    status, program_id = "", None
    if form.is_valid():
        status = form.cleaned_data["status"]
        program_id = int(form.cleaned_data["program"]) if form.cleaned_data["program"] else None
    page = selectors.earnings_page(lines=lines, status=status, program_id=program_id, page=request.GET.get("page"))
    return render(
        request,
        "incentives/earnings.html",
        {
            "form": form,
            "page": page,
            "lines": page.object_list,
            "totals": summary.totals,
            "sees_statements": request.partner.has_role(*STATEMENT_ROLES),
            "filtered": bool(status or program_id),
        },
    )


@partner_required(*EARNINGS_ROLES)
def line_detail(request, pk):
    line = selectors.line_get(user=request.user, pk=pk)
    can_dispute = (
        request.partner.has_role(*STATEMENT_ROLES)
        and line.statement_id is not None
        and not line.disputes.filter(status=DisputeStatus.OPEN).exists()
    )
    form = DisputeForm()
    if request.method == "POST" and can_dispute:
        form = DisputeForm(request.POST)
        if form.is_valid():
            try:
                dispute = disputes.dispute_open(line=line, user=request.user, comment=form.cleaned_data["comment"])
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request, _("Dispute sent to finance. You will find their answer here and under Disputes.")
                )
                return redirect("incentives:dispute_detail", pk=dispute.pk)
    return render(
        request,
        "incentives/line_detail.html",
        {
            "line": line,
            "form": form,
            "can_dispute": can_dispute,
            "sees_statements": request.partner.has_role(*STATEMENT_ROLES),
            "disputes": line.disputes.all() if request.partner.has_role(*STATEMENT_ROLES) else [],
        },
    )


@partner_required(*STATEMENT_ROLES)
def statement_list(request):
    page = Paginator(selectors.statement_list(user=request.user), 25).get_page(request.GET.get("page"))
    return render(request, "incentives/statement_list.html", {"page": page, "statements": page.object_list})


def _statement_context(request, pk):
    statement = selectors.statement_get(user=request.user, pk=pk)
    return {
        "statement": statement,
        "lines": selectors.statement_lines(statement=statement),
        "totals": statement_totals(statement=statement),
    }


@partner_required(*STATEMENT_ROLES)
def statement_detail(request, pk):
    return render(request, "incentives/statement_detail.html", _statement_context(request, pk))


def _conversion_text(row: dict, currency: str) -> str:
    return _("%(amount)s won on %(date)s counted as %(converted)s (rate %(rate)s, in force from %(valid)s)") % {
        "amount": money(row["amount"], row["currency"]),
        "date": date_format(row["closed_on"], "SHORT_DATE_FORMAT"),
        "converted": money(row["converted"], currency),
        "rate": number_format(row["rate"], use_l10n=True),
        "valid": date_format(row["rate_valid_from"], "SHORT_DATE_FORMAT"),
    }


def _correction_text(event) -> str:
    if event is None:
        return ""
    return _("after the correction of %(deal)s on %(date)s") % {
        "deal": event.deal.company_name,
        "date": date_format(event.at, "SHORT_DATE_FORMAT"),
    }


def _rate_change_text(change) -> str:
    if change is None:
        return ""
    return _("after the change of the %(source)s → %(target)s exchange rate on %(date)s") % {
        "source": change["source_currency"],
        "target": change["target_currency"],
        "date": date_format(timezone.localtime(change["changed_at"]), "SHORT_DATE_FORMAT"),
    }


def _download_name(statement, extension: str) -> str:
    return f"statement-{statement.period_end:%Y-%m-%d}-{statement.pk}.{extension}"


@partner_required(*STATEMENT_ROLES)
def statement_csv(request, pk):
    """Every line with how it was computed, then one total per currency, in
    the reader's language and number format (``;``-separated where the
    decimal mark is a comma, as spreadsheets there expect)."""
    context = _statement_context(request, pk)
    statement = context["statement"]
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_download_name(statement, "csv")}"'
    response.write("\ufeff")  # spreadsheets detect UTF-8 by its byte-order mark
    decimal_comma = number_format(0.5, decimal_pos=1, use_l10n=True) == "0,5"
    writer = csv.writer(response, delimiter=";" if decimal_comma else ",")

    def figure(value, places=2):
        return number_format(value, decimal_pos=places, use_l10n=True, force_grouping=True)

    writer.writerow(
        [
            _("Line"),
            _("Earned on"),
            _("Kind"),
            _("Program"),
            _("Rule version"),
            _("Deal"),
            _("Tier at close date"),
            _("Basis"),
            _("Base amount"),
            _("Rate (%)"),
            _("Fixed amount"),
            _("Exchange rates"),
            _("Correction"),
            _("Amount"),
            _("Currency"),
        ]
    )
    for line in context["lines"]:
        writer.writerow(
            [
                line.pk,
                date_format(line.earned_on, "SHORT_DATE_FORMAT"),
                line.get_kind_display(),
                # Names people typed, which a spreadsheet would run as a formula
                # (a deal registered for "=HYPERLINK(…)"); figures are ours.
                defused(line.program.name),
                line.rule_version.number,
                defused(line.deal.company_name) if line.deal else "",
                defused(line.tier_name),
                line.basis,
                figure(line.base_amount),
                figure(line.rate, 3),
                figure(line.bonus),
                "; ".join(_conversion_text(row, line.currency) for row in line.converted_deals),
                _correction_text(line.correction) or _rate_change_text(line.rate_correction),
                figure(line.amount),
                line.currency,
            ]
        )
    for total in context["totals"]:
        writer.writerow([_("Total"), *[""] * 12, figure(total.amount), total.currency])
    return response


@partner_required(*STATEMENT_ROLES)
def statement_pdf(request, pk):
    context = _statement_context(request, pk)
    html = render_to_string(
        "incentives/statement_pdf.html",
        {**context, "language": get_language(), "generated_at": timezone.now()},
        request=request,
    )
    response = HttpResponse(render_pdf(html), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{_download_name(context["statement"], "pdf")}"'
    return response


@partner_required(*STATEMENT_ROLES)
def dispute_list(request):
    page = Paginator(selectors.dispute_list(user=request.user), 25).get_page(request.GET.get("page"))
    return render(request, "incentives/dispute_list.html", {"page": page, "disputes": page.object_list})


@partner_required(*STATEMENT_ROLES)
def dispute_detail(request, pk):
    dispute = selectors.dispute_get(user=request.user, pk=pk)
    form = DisputeReplyForm()
    if request.method == "POST" and dispute.status == DisputeStatus.OPEN:
        form = DisputeReplyForm(request.POST)
        if form.is_valid():
            try:
                disputes.dispute_reply(
                    dispute=dispute, author=request.user, body=form.cleaned_data["body"], from_vendor=False
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Message sent. Finance answers in this thread."))
                return redirect("incentives:dispute_detail", pk=dispute.pk)
    return render(
        request,
        "incentives/dispute_detail.html",
        {"dispute": dispute, "thread": dispute.messages.select_related("author"), "form": form},
    )


@partner_required(*EARNINGS_ROLES)
def programs(request):
    organization = request.partner.organization
    in_force = selectors.programs_in_force()
    return render(
        request,
        "incentives/programs.html",
        {
            "spiffs": selectors.active_spiffs(organization=organization, in_force=in_force),
            "rebates": selectors.rebate_attainments(organization=organization, in_force=in_force),
            "can_opt_in": request.partner.has_role("owner", "sales"),
        },
    )


@require_POST
@partner_required("owner", "sales")
def opt_in(request, pk):
    program = get_object_or_404(IncentiveProgram, pk=pk, kind=ProgramKind.SPIFF, active=True)
    try:
        enrollment_opt_in(program=program, organization=request.partner.organization, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("You joined %(program)s: your qualifying won deals now earn its bonus.") % {"program": program}
        )
    return redirect("incentives:programs")
