"""Claims with proof of performance, vendor review (full or partial),
payment, and the leads and deals an activity produced."""

import csv
import datetime
import io
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from deals.models import DealRegistration, Lead, LeadSource, LeadStatus
from deals.services.leads import lead_build, leads_create_many
from programs.files import private_storage
from programs.formats import decimal_text, money, round_money
from programs.validators import validate_money_precision

from ..models import (
    ActivityDeal,
    ActivityLead,
    Claim,
    ClaimStatus,
    FundRequest,
    LedgerKind,
    MdfEventKind,
    ProofOfPerformance,
    RequestStatus,
)
from ..validators import PROOF_MAX_FILES, validate_proof
from .ledger import allocation_lock, ledger_write, record_event, set_status
from .requests import notify_partner, reimbursement_percent, request_lock, require_status


@transaction.atomic
def claim_submit(
    *,
    request: FundRequest,
    submitted_by,
    actual_cost: Decimal,
    claimed_amount: Decimal,
    proofs: list,
    notes: str = "",
    today: datetime.date | None = None,
) -> Claim:
    """Claim the activity's actual cost against an approved request, with
    proof files. Every file and figure is checked before anything is stored."""
    request = request_lock(request)
    require_status(request, (RequestStatus.APPROVED,), _("Only an approved request can be claimed."))
    today = today or timezone.localdate()
    if request.claim_deadline and today > request.claim_deadline:
        raise ValidationError(
            _("The claim deadline passed on %(date)s. Ask your channel manager to extend it.")
            % {"date": date_format(request.claim_deadline, "SHORT_DATE_FORMAT")},
            code="deadline",
        )
    errors: dict[str, list[str]] = {}
    if actual_cost is None or actual_cost <= 0:
        errors["actual_cost"] = [_("Enter what the activity actually cost.")]
    if claimed_amount is None or claimed_amount <= 0:
        errors["claimed_amount"] = [_("Enter the amount you claim.")]
    elif claimed_amount > request.committed_amount:
        errors["claimed_amount"] = [
            _("You can claim at most the approved %(amount)s.")
            % {"amount": money(request.committed_amount, request.currency)}
        ]
    elif "actual_cost" not in errors:
        percent = reimbursement_percent(
            program=request.allocation.program, organization=request.organization, activity_type=request.activity_type
        )
        ceiling = round_money(actual_cost * percent / 100, request.currency, rounding=ROUND_DOWN)
        if claimed_amount > ceiling:
            errors["claimed_amount"] = [
                _("At most %(percent)s%% of the actual cost can be reimbursed: %(ceiling)s.")
                % {"percent": decimal_text(percent), "ceiling": money(ceiling, request.currency)}
            ]
    for name, amount in (("actual_cost", actual_cost), ("claimed_amount", claimed_amount)):
        try:
            validate_money_precision(amount, request.currency)
        except ValidationError as error:
            errors.setdefault(name, []).extend(error.messages)
    if not proofs:
        errors["proofs"] = [_("Attach proof of performance: invoices, photos, attendee lists…")]
    elif len(proofs) > PROOF_MAX_FILES:
        errors["proofs"] = [_("Attach at most %(count)s files.") % {"count": PROOF_MAX_FILES}]
    sniffed = []
    for upload in proofs or []:
        try:
            sniffed.append((upload, validate_proof(upload)))
        except ValidationError as error:
            errors.setdefault("proofs", []).extend(error.messages)
    if errors:
        raise ValidationError(errors)
    stored_files: list[str] = []
    try:
        claim = Claim.objects.create(
            organization=request.organization,
            request=request,
            actual_cost=actual_cost,
            claimed_amount=claimed_amount,
            currency=request.currency,
            notes=notes,
            submitted_by=submitted_by,
        )
        for upload, kind in sniffed:
            proof = ProofOfPerformance(
                organization=request.organization,
                claim=claim,
                original_name=(upload.name or "proof")[:200],
                content_type=kind.content_type,
                extension=kind.extension,
                size=upload.size,
            )
            upload.seek(0)
            proof.file.save(upload.name or "proof", upload, save=False)
            stored_files.append(proof.file.name)
            proof.save()
        allocation = allocation_lock(request.allocation)
        ledger_write(
            allocation=allocation,
            kind=LedgerKind.CLAIMED,
            amount=claimed_amount,
            actor=submitted_by,
            request=request,
            claim=claim,
        )
        set_status(
            request,
            RequestStatus.CLAIMED,
            MdfEventKind.CLAIM_SUBMITTED,
            request=request,
            actor=submitted_by,
            claim=claim,
        )
    except Exception:
        # The rows roll back; files written so far must not stay behind.
        for name in stored_files:
            private_storage().delete(name)
        raise
    return claim


def _locked_claim(claim: Claim) -> Claim:
    return (
        Claim.objects.select_for_update(of=("self",))
        .select_related("request__allocation__program", "organization")
        .get(pk=claim.pk)
    )


@transaction.atomic
def claim_approve(*, claim: Claim, actor, amount: Decimal | None = None, reason: str = "") -> Claim:
    """Approve the claim in full or in part (a partial approval needs a reason);
    what the request committed beyond the approved amount is released."""
    claim = _locked_claim(claim)
    if claim.status != ClaimStatus.SUBMITTED:
        raise ValidationError(_("This claim has already been decided."))
    amount = claim.claimed_amount if amount is None else amount
    if amount <= 0:
        raise ValidationError({"amount": _("Approve an amount above zero, or reject the claim.")})
    if amount > claim.claimed_amount:
        raise ValidationError(
            {
                "amount": _("You can approve at most the %(amount)s claimed.")
                % {"amount": money(claim.claimed_amount, claim.currency)}
            }
        )
    if amount < claim.claimed_amount and not reason.strip():
        raise ValidationError({"reason": _("Tell the partner why only part of the claim is approved.")})
    request = claim.request
    unused = request.committed_amount - amount
    if unused > 0:
        allocation = allocation_lock(request.allocation)
        ledger_write(
            allocation=allocation,
            kind=LedgerKind.RELEASED,
            amount=unused,
            actor=actor,
            request=request,
            claim=claim,
            reason=reason or _("Approved claim below the committed amount"),
        )
    set_status(
        claim,
        ClaimStatus.APPROVED,
        MdfEventKind.CLAIM_APPROVED,
        request=request,
        actor=actor,
        claim=claim,
        partner_note=reason,
        approved_amount=amount,
        decision_reason=reason,
    )
    notify_partner(request)
    return claim


@transaction.atomic
def claim_reject(*, claim: Claim, actor, reason: str) -> Claim:
    """Refuse the claim; the request's committed funds go back to the allocation."""
    if not reason.strip():
        raise ValidationError({"reason": _("Give the partner a reason for the rejection.")})
    claim = _locked_claim(claim)
    if claim.status != ClaimStatus.SUBMITTED:
        raise ValidationError(_("This claim has already been decided."))
    request = claim.request
    allocation = allocation_lock(request.allocation)
    ledger_write(
        allocation=allocation,
        kind=LedgerKind.RELEASED,
        amount=request.committed_amount,
        actor=actor,
        request=request,
        claim=claim,
        reason=reason,
    )
    set_status(
        claim,
        ClaimStatus.REJECTED,
        MdfEventKind.CLAIM_REJECTED,
        request=request,
        actor=actor,
        claim=claim,
        partner_note=reason,
        approved_amount=Decimal("0"),
        decision_reason=reason,
    )
    FundRequest.objects.filter(pk=request.pk).update(status=RequestStatus.CLOSED)
    notify_partner(request)
    return claim


@transaction.atomic
def claim_pay(*, claim: Claim, actor, reference: str, paid_on: datetime.date) -> Claim:
    """Finance records the reimbursement: a paid ledger line, the request
    closed, the partner told."""
    if not reference.strip():
        raise ValidationError({"reference": _("Enter the payment reference.")})
    claim = _locked_claim(claim)
    if claim.status != ClaimStatus.APPROVED:
        raise ValidationError(_("Only an approved, unpaid claim can be paid."))
    request = claim.request
    allocation = allocation_lock(request.allocation)
    ledger_write(
        allocation=allocation,
        kind=LedgerKind.PAID,
        amount=claim.approved_amount,
        actor=actor,
        request=request,
        claim=claim,
        reason=reference,
    )
    set_status(
        claim,
        ClaimStatus.PAID,
        MdfEventKind.PAID,
        request=request,
        actor=actor,
        claim=claim,
        partner_note=_("Payment reference %(reference)s") % {"reference": reference},
        payment_reference=reference,
        paid_on=paid_on,
    )
    FundRequest.objects.filter(pk=request.pk).update(status=RequestStatus.CLOSED)
    notify_partner(request)
    return claim


# Attribution ----------------------------------------------------------------

LEAD_COLUMNS = (
    "company_name",
    "country",
    "domain",
    "contact_name",
    "contact_email",
    "contact_phone",
    "estimated_value",
    "currency",
    "notes",
)
REQUIRED_LEAD_COLUMNS = ("company_name", "country")
MAX_LEAD_BYTES = 2 * 1024 * 1024
MAX_LEAD_ROWS = 5000


@dataclass
class LeadImportResult:
    leads: list[Lead] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _parse_leads(data: bytes, column_map: dict[str, str], request: FundRequest, actor) -> tuple[list[Lead], list[str]]:
    errors: list[str] = []
    if len(data) > MAX_LEAD_BYTES:
        return [], [_("The file is larger than %(mb)s MB.") % {"mb": MAX_LEAD_BYTES // (1024 * 1024)}]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], [_("The file is not UTF-8 text; save it as CSV UTF-8.")]
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    headers = {(name or "").strip().lower(): name for name in reader.fieldnames or []}
    mapping = {}
    for column in LEAD_COLUMNS:
        wanted = (column_map.get(column) or column).strip().lower()
        if wanted in headers:
            mapping[column] = headers[wanted]
        elif column in REQUIRED_LEAD_COLUMNS:
            errors.append(
                _("No column “%(header)s” for %(field)s; the file has: %(columns)s.")
                % {"header": wanted, "field": column, "columns": ", ".join(headers) or "—"}
            )
    if errors:
        return [], errors
    leads = []
    for number, row in enumerate(reader, start=2):
        if number - 1 > MAX_LEAD_ROWS:
            errors.append(_("The file has more than %(rows)s leads; split it.") % {"rows": MAX_LEAD_ROWS})
            break
        values = {column: (row.get(header) or "").strip() for column, header in mapping.items()}
        if not any(values.values()):
            continue
        row_errors: dict[str, list[str]] = {}
        value_text = values.pop("estimated_value", "")
        estimated_value = None
        if value_text:
            try:
                estimated_value = Decimal(value_text)
            except InvalidOperation:
                row_errors["estimated_value"] = [_("“%(value)s” is not a number.") % {"value": value_text}]
        try:
            lead = lead_build(
                **values,
                estimated_value=estimated_value,
                campaign=request.campaign,
                source=LeadSource.IMPORT,
                created_by=actor,
            )
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                row_errors.setdefault(name, []).extend(messages)
        if row_errors:
            for name, messages in row_errors.items():
                errors.append(
                    _("Line %(line)s, %(column)s: %(message)s")
                    % {"line": number, "column": mapping.get(name, name), "message": " ".join(messages)}
                )
            continue
        lead.organization = request.organization
        lead.status = LeadStatus.ACCEPTED
        leads.append(lead)
    if not leads and not errors:
        errors.append(_("The file has no leads."))
    return leads, errors


@transaction.atomic
def activity_leads_import(
    *, request: FundRequest, actor, data: bytes, column_map: dict[str, str] | None = None
) -> LeadImportResult:
    """Store the leads an activity generated from a CSV file, all or none:
    any row with a problem stores nothing and every problem is reported with
    its line. The leads are the organization's own (accepted) and keep the
    activity link through conversion to a deal registration."""
    require_status(
        request,
        (RequestStatus.APPROVED, RequestStatus.CLAIMED, RequestStatus.CLOSED),
        _("Leads can be added once the request is approved."),
    )
    leads, errors = _parse_leads(data, column_map or {}, request, actor)
    if errors:
        return LeadImportResult(errors=errors)
    stored = leads_create_many(leads=[(lead, []) for lead in leads], distribute=False)
    ActivityLead.objects.bulk_create([ActivityLead(request=request, lead=lead) for lead in stored])
    record_event(
        request,
        MdfEventKind.LEADS_IMPORTED,
        actor=actor,
        after={"leads": len(stored)},
        partner_note=_("%(count)s leads added.") % {"count": len(stored)},
    )
    return LeadImportResult(leads=stored)


@transaction.atomic
def activity_link_deal(*, request: FundRequest, deal: DealRegistration, actor) -> ActivityDeal:
    """Attribute one of the organization's registrations to an activity
    (``actor``: who did it, None for the system), recorded on the activity's
    timeline; a deal attributed elsewhere moves, recorded on both activities.
    Linking a deal to the activity it already counts for changes nothing."""
    if deal.organization_id != request.organization_id:
        raise ValidationError(_("Only your own organization's registrations can be linked."))
    # The link row locked, so two people moving one deal at once record what each really moved.
    link = ActivityDeal.objects.select_for_update().select_related("request").filter(deal=deal).first()
    if link is not None and link.request_id == request.pk:
        return link
    previous = link.request if link is not None else None
    if link is None:
        link = ActivityDeal.objects.create(deal=deal, request=request)
    else:
        link.request = request
        link.save(update_fields=["request"])
    registration = {"registration": f"#{deal.pk} {deal.company_name}"}
    record_event(
        request,
        MdfEventKind.DEAL_LINKED,
        actor=actor,
        before={"request": previous.pk} if previous else {},
        after={"deal": deal.pk, "request": request.pk},
        partner_note=_("Registration %(registration)s now counts for this activity.") % registration,
    )
    if previous is not None:
        record_event(
            previous,
            MdfEventKind.DEAL_MOVED,
            actor=actor,
            before={"deal": deal.pk, "request": previous.pk},
            after={"request": request.pk},
            partner_note=_("Registration %(registration)s now counts for “%(activity)s” instead.")
            % {**registration, "activity": request.title},
        )
    return link
