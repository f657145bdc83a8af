"""Business rules of deal registration. Every status change or edit goes
through a function here and records a ``DealEvent`` in the same transaction."""

import datetime
import logging
from collections.abc import Mapping
from decimal import Decimal
from types import MappingProxyType

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from guardian.shortcuts import assign_perm

from programs import notifications
from programs.audit import json_safe, status_change
from programs.formats import amount_text
from programs.models import ExchangeRate, PartnerOrganization
from programs.notifications import notify
from programs.selectors import certified_product_lines, product_lines_locked_for
from programs.services.exchange import money_to_program_currency, program_currency
from programs.services.onboarding import first_action_record
from programs.services.tiers import tier_evaluation_request
from programs.tenancy import partner_context, scoped
from programs.validators import validate_money_precision

from ..matching import ConflictMatch, claim_keys, find_conflicts, lock_keys, normalize_company_name, normalize_domain
from ..models import (
    ACTIVE_STATUSES,
    REPORTED_STATUSES,
    DealClaim,
    DealConflict,
    DealEvent,
    DealEventKind,
    DealProductLine,
    DealProgramSettings,
    DealRegistration,
    DealReminder,
    DealStage,
    DealStatus,
    ExtensionStatus,
    RoutingAction,
    RoutingRule,
)
from ..outcomes import deal_outcome_changed
from ..registration import deal_registered, deal_registration_clean
from ..selectors import wins_converted_with_outdated_rate, wins_waiting_for_rate, without_rate
from ..webhooks import deal_event_publish

logger = logging.getLogger("portal.deals")

#: Queue of registrations no rule decided, and of possible conflicts.
DEFAULT_QUEUE = "review"
CONFLICT_QUEUE = "conflicts"
CAM_QUEUE = "cam"
REMINDER_DAYS = (14, 3)
#: Fields a reviewer may edit; the identity ones trigger a new conflict check.
EDITABLE_FIELDS = (
    "company_name",
    "domain",
    "country",
    "contact_name",
    "contact_email",
    "contact_phone",
    "estimated_value",
    "currency",
    "expected_close_date",
    "competitive_situation",
    "notes",
)
IDENTITY_FIELDS = {"company_name", "domain", "country"}
REVIEWABLE_STATUSES = (DealStatus.SUBMITTED, DealStatus.UNDER_REVIEW, DealStatus.MORE_INFO_REQUESTED)
#: Confirmed outcomes: what channel ops may correct or reopen.
CLOSED_STATUSES = (DealStatus.WON, DealStatus.LOST)
#: Decisions the partner is told about (through the notification centre).
NOTIFIED_KINDS = (
    DealEventKind.APPROVED,
    DealEventKind.REJECTED,
    DealEventKind.MORE_INFO,
    DealEventKind.EXPIRED,
    DealEventKind.OUTCOME_CONFIRMED,
    DealEventKind.OUTCOME_REJECTED,
    DealEventKind.REOPENED,
)
CONFIRMED_WON = gettext_lazy("Confirmed: it now counts toward your tier and incentives.")
CONFIRMED_LOST = gettext_lazy("Confirmed as lost.")
#: Held by vendor users and CRM integration users whose word on an outcome counts.
CONFIRM_OUTCOME_PERMISSION = "deals.confirm_deal_outcome"
#: Held by vendor users who review registrations (the admin's review page).
REVIEW_PERMISSION = "deals.change_dealregistration"


class ProtectionTaken(ValidationError):
    """Another registration already holds protection for this customer and product line."""


def _event(
    deal: DealRegistration,
    kind: str,
    *,
    actor=None,
    from_status: str = "",
    to_status: str = "",
    before: dict | None = None,
    after: dict | None = None,
    note: str = "",
    partner_note: str = "",
) -> DealEvent:
    event = DealEvent.objects.create(
        deal=deal,
        actor=actor,
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        before=_audit_values(deal, before),
        after=_audit_values(deal, after),
        note=note,
        partner_note=partner_note,
    )
    deal_event_publish(event=event)
    return event


#: Amounts in the audit trail, with the field holding their currency.
AUDITED_AMOUNTS = {"estimated_value": "currency", "final_amount": "currency", "program_amount": "program_currency"}


def _audit_values(deal: DealRegistration, values: dict | None) -> dict:
    """JSON-safe values, amounts with their currency's minor digits ("1000.00"
    USD, "12.345" KWD) rather than the stored three decimals."""
    safe = {}
    for key, value in (values or {}).items():
        if key in AUDITED_AMOUNTS and value not in (None, ""):
            value = amount_text(Decimal(str(value)), getattr(deal, AUDITED_AMOUNTS[key]) or deal.currency)
        safe[key] = json_safe(value)
    return safe


def _set_status(deal: DealRegistration, status: str, kind: str, *, actor=None, note="", partner_note="", **fields):
    """Change status (and ``fields``) and record the event with before/after."""
    before, after = status_change(deal, {"status": status, **fields})
    event = _event(
        deal,
        kind,
        actor=actor,
        from_status=before["status"],
        to_status=status,
        before=before,
        after=after,
        note=note,
        partner_note=partner_note,
    )
    if kind in NOTIFIED_KINDS:
        from ..tasks import notify_partner_of_deal_event

        notify_partner_of_deal_event.delay_on_commit(event.pk)
    return event


def _lock(keys: list[str]) -> None:
    """Serialize registrations of the same customer until the transaction ends."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for key in keys:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [key])


def _settings() -> DealProgramSettings:
    return DealProgramSettings.load()


def _protection_days(organization: PartnerOrganization) -> int:
    if organization.tier_id and organization.tier.deal_protection_days:
        return organization.tier.deal_protection_days
    return _settings().default_protection_days


def _claim(deal: DealRegistration) -> None:
    keys = claim_keys(normalized_name=deal.normalized_name, domain=deal.domain, country=deal.country)
    line_ids = list(deal.lines.values_list("product_line_id", flat=True))
    try:
        with transaction.atomic():
            DealClaim.objects.bulk_create(
                [DealClaim(key=key, product_line_id=line_id, deal=deal) for key in keys for line_id in line_ids]
            )
    except IntegrityError as error:
        raise ProtectionTaken(
            _("Another registration already holds protection for this customer and product line."),
            code="protection_taken",
        ) from error


def _release(deal: DealRegistration) -> None:
    DealClaim.objects.filter(deal=deal).delete()


def _record_conflicts(deal: DealRegistration, matches: list[ConflictMatch]) -> None:
    names = dict(
        PartnerOrganization.objects.filter(pk__in={m.organization_id for m in matches}).values_list("pk", "name")
    )
    DealConflict.objects.bulk_create(
        [DealConflict(deal=deal, other_id=m.deal_id, score=m.score, explanation=m.explanation[:300]) for m in matches],
        ignore_conflicts=True,
    )
    deal.has_conflict = True
    deal.save(update_fields=["has_conflict", "updated_at"])
    _event(
        deal,
        DealEventKind.CONFLICT,
        note="\n".join(f"Deal #{m.deal_id} of {names.get(m.organization_id)}: {m.explanation}" for m in matches),
        partner_note=_("Another registration may cover this opportunity; channel operations will review it."),
    )


def _check_conflicts(deal: DealRegistration) -> list[ConflictMatch]:
    return find_conflicts(
        normalized_name=deal.normalized_name,
        domain=deal.domain,
        country=deal.country,
        product_line_ids=list(deal.lines.values_list("product_line_id", flat=True)),
        exclude_organization_id=deal.organization_id,
        exclude_deal_id=deal.pk,
        threshold=_settings().similarity_threshold,
    )


# Routing ------------------------------------------------------------------


def _certified_for_all_lines(deal: DealRegistration) -> bool:
    held = certified_product_lines(deal.organization_id)
    lines = list(deal.product_lines.values_list("name", "code"))
    return bool(lines) and all(name.lower() in held or code.lower() in held for name, code in lines)


def routing_rule_matches(rule: RoutingRule, deal: DealRegistration) -> bool:
    """Whether every condition set on ``rule`` holds for ``deal``."""
    if rule.require_no_conflict and deal.has_conflict:
        return False
    if rule.max_value is not None and (
        deal.currency != rule.max_value_currency or deal.estimated_value >= rule.max_value
    ):
        return False
    tier_keys = {tier.translation_key for tier in rule.tiers.all()}
    if tier_keys and (deal.organization.tier is None or deal.organization.tier.translation_key not in tier_keys):
        return False
    if rule.country_codes and deal.country not in rule.country_codes:
        return False
    return not (rule.require_certified and not _certified_for_all_lines(deal))


def _route(deal: DealRegistration) -> None:
    rule = next(
        (
            r
            for r in RoutingRule.objects.filter(is_active=True).prefetch_related("tiers")
            if routing_rule_matches(r, deal)
        ),
        None,
    )
    deal.routing_rule = rule
    action = rule.action if rule else None
    if action == RoutingAction.AUTO_APPROVE and not deal.has_conflict:
        try:
            _approve(deal, actor=None, note=f"Rule: {rule.name}")
            return
        except ProtectionTaken:
            # Someone got there first between the check and the claim.
            _set_status(
                deal,
                DealStatus.UNDER_REVIEW,
                DealEventKind.ROUTED,
                has_conflict=True,
                queue=CONFLICT_QUEUE,
                note="Auto-approval refused: protection already held for this customer and product line.",
                partner_note=_("Another registration may cover this opportunity; channel operations will review it."),
            )
            return
    if action == RoutingAction.REJECT:
        _set_status(
            deal,
            DealStatus.REJECTED,
            DealEventKind.REJECTED,
            note=f"Rule: {rule.name}",
            partner_note=rule.reason,
            decision_reason=rule.reason,
        )
        return
    queue, assignee = DEFAULT_QUEUE, None
    if deal.has_conflict:
        queue = CONFLICT_QUEUE
    elif action == RoutingAction.ROUTE_TO_CAM and deal.organization.channel_account_manager_id:
        queue, assignee = CAM_QUEUE, deal.organization.channel_account_manager
    elif action == RoutingAction.ROUTE_TO_QUEUE:
        queue = rule.queue_name
    _set_status(
        deal,
        DealStatus.UNDER_REVIEW,
        DealEventKind.ROUTED,
        queue=queue,
        assigned_to=assignee,
        note=f"Rule: {rule.name}" if rule else "No routing rule matched.",
        partner_note=_("Under review: possible conflict") if deal.has_conflict else _("Under review"),
    )


def _approve(deal: DealRegistration, *, actor, note: str = "") -> DealEvent:
    _claim(deal)
    now = timezone.now()
    days = _protection_days(deal.organization)
    return _set_status(
        deal,
        DealStatus.APPROVED,
        DealEventKind.APPROVED,
        actor=actor,
        note=note,
        partner_note=_("Protected for %(days)s days.") % {"days": days},
        approved_at=now,
        protected_until=now + datetime.timedelta(days=days),
        decision_reason="",
    )


# Public services ----------------------------------------------------------


@transaction.atomic
def deal_register(
    *,
    organization: PartnerOrganization,
    submitted_by,
    idempotency_key: str,
    company_name: str,
    country: str,
    contact_name: str,
    product_lines: list,
    estimated_value: Decimal,
    currency: str,
    expected_close_date: datetime.date,
    domain: str = "",
    contact_email: str = "",
    contact_phone: str = "",
    stage: str = DealStage.QUALIFIED,
    competitive_situation: str = "",
    notes: str = "",
    attachment: UploadedFile | None = None,
    lead=None,
    extras: Mapping | None = None,
) -> DealRegistration:
    """Register an opportunity, check it for conflicts and route it.

    ``lead``: the accepted lead it is converted from (``deals.services.leads.lead_convert``);
    the registration keeps the lead's campaign for attribution.
    ``extras``: values of the fields other apps add to the form and the API
    (``deals.registration``), checked by those apps with the rest of the
    input and recorded by them in this transaction.

    Submitting again with the same ``idempotency_key`` returns the first
    registration unchanged. Raises ``ValidationError`` (nothing stored) on
    bad input.
    """
    if not idempotency_key:
        raise ValidationError(_("The form has expired; please submit it again."), code="idempotency_key")
    existing = DealRegistration.objects.filter(organization=organization, idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing
    errors = {}
    try:
        domain = normalize_domain(domain)
    except ValidationError as error:
        errors["domain"] = error.messages
    if expected_close_date and expected_close_date < timezone.localdate():
        errors["expected_close_date"] = [_("The expected close date cannot be in the past.")]
    if not product_lines:
        errors["product_lines"] = [_("Choose at least one product line.")]
    elif locked := product_lines_locked_for(organization.pk, product_lines):
        errors["product_lines"] = [
            _("Registering deals for %(lines)s needs a current certification held by someone in your organization.")
            % {"lines": ", ".join(str(line) for line in locked)}
        ]
    if stage in (DealStage.WON, DealStage.LOST):
        errors["stage"] = [_("Register an open opportunity; report won or lost on the registration later.")]
    extras, extra_errors = deal_registration_clean(organization=organization, extras=extras or {})
    errors.update(extra_errors)
    deal = DealRegistration(
        organization=organization,
        submitted_by=submitted_by,
        idempotency_key=idempotency_key,
        company_name=company_name.strip(),
        normalized_name=normalize_company_name(company_name),
        domain=domain if "domain" not in errors else "",
        country=(country or "").strip().upper(),
        contact_name=contact_name,
        contact_email=contact_email,
        contact_phone=contact_phone,
        estimated_value=estimated_value,
        currency=(currency or "").strip().upper(),
        expected_close_date=expected_close_date,
        stage=stage,
        competitive_situation=competitive_situation,
        notes=notes,
        attachment=attachment,
        source_lead=lead,
        campaign_id=lead.campaign_id if lead is not None else None,
    )
    if not deal.normalized_name:
        errors["company_name"] = [_("Enter the end customer's company name.")]
    try:
        deal.full_clean(
            exclude=["idempotency_key", "organization", "normalized_name", "source_lead", "campaign"],
            validate_constraints=False,
        )
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    if errors:
        raise ValidationError(errors)

    _lock(lock_keys(normalized_name=deal.normalized_name, domain=deal.domain))
    try:
        with transaction.atomic():
            deal.save()
    except IntegrityError:
        # A double submit raced us: the other request stored it first.
        return DealRegistration.objects.get(organization=organization, idempotency_key=idempotency_key)
    DealProductLine.objects.bulk_create([DealProductLine(deal=deal, product_line=line) for line in product_lines])
    _event(
        deal,
        DealEventKind.SUBMITTED,
        actor=submitted_by,
        to_status=DealStatus.SUBMITTED,
        after={name: getattr(deal, name) for name in EDITABLE_FIELDS},
    )
    first_action_record(organization)
    deal_registered(deal=deal, extras=extras, actor=submitted_by)
    matches = _check_conflicts(deal)
    if matches:
        _record_conflicts(deal, matches)
    _route(deal)
    return deal


def _locked(deal: DealRegistration) -> DealRegistration:
    return DealRegistration.objects.select_for_update(of=("self",)).select_related("organization__tier").get(pk=deal.pk)


def _require_status(deal: DealRegistration, statuses, message: str) -> None:
    if deal.status not in statuses:
        raise ValidationError(message, code="status")


@transaction.atomic
def deal_approve(*, deal: DealRegistration, actor, note: str = "") -> DealRegistration:
    """A reviewer approves: the partner is protected for the tier's days.
    Raises ``ProtectionTaken`` if another registration already holds it."""
    deal = _locked(deal)
    _require_status(deal, REVIEWABLE_STATUSES, _("Only a registration awaiting review can be approved."))
    _approve(deal, actor=actor, note=note)
    return deal


@transaction.atomic
def deal_reject(*, deal: DealRegistration, actor, reason: str) -> DealRegistration:
    """A reviewer rejects with a reason the partner sees."""
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give the partner a reason for the rejection.")})
    deal = _locked(deal)
    _require_status(deal, REVIEWABLE_STATUSES, _("Only a registration awaiting review can be rejected."))
    _set_status(
        deal, DealStatus.REJECTED, DealEventKind.REJECTED, actor=actor, partner_note=reason, decision_reason=reason
    )
    return deal


@transaction.atomic
def deal_request_info(*, deal: DealRegistration, actor, question: str) -> DealRegistration:
    """A reviewer asks the partner for more information."""
    if not (question or "").strip():
        raise ValidationError({"question": _("Say what information you need.")})
    deal = _locked(deal)
    _require_status(deal, REVIEWABLE_STATUSES, _("Only a registration awaiting review can be sent back."))
    _set_status(
        deal,
        DealStatus.MORE_INFO_REQUESTED,
        DealEventKind.MORE_INFO,
        actor=actor,
        partner_note=question,
        decision_reason=question,
    )
    return deal


@transaction.atomic
def deal_update(*, deal: DealRegistration, actor, **changes) -> DealRegistration:
    """Channel ops edit a registration; identity changes re-run the conflict check."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable: {', '.join(sorted(unknown))}")
    deal = _locked(deal)
    if "domain" in changes:
        changes["domain"] = normalize_domain(changes["domain"])
    before = {name: getattr(deal, name) for name in changes}
    for name, value in changes.items():
        setattr(deal, name, value)
    deal.normalized_name = normalize_company_name(deal.company_name)
    deal.full_clean(exclude=["idempotency_key", "organization"], validate_constraints=False)
    changed = [name for name in changes if before[name] != getattr(deal, name)]
    if not changed:
        return deal
    deal.save()
    _event(
        deal,
        DealEventKind.EDITED,
        actor=actor,
        from_status=deal.status,
        to_status=deal.status,
        before={name: before[name] for name in changed},
        after={name: getattr(deal, name) for name in changed},
        partner_note=_("Details updated by channel operations."),
    )
    if IDENTITY_FIELDS.intersection(changed) and deal.is_active:
        if deal.status == DealStatus.APPROVED:
            _release(deal)
            _claim(deal)
        matches = _check_conflicts(deal)
        if matches:
            _record_conflicts(deal, matches)
    return deal


def outcome_trusted(actor) -> bool:
    """Whether ``actor``'s word on a won or lost deal counts at once: a vendor
    user or CRM integration holding the confirm permission, never a partner
    (a partner's report waits for one of them, or for the auto-confirm rule)."""
    return bool(
        actor is not None
        and getattr(actor, "is_authenticated", False)
        and partner_context(actor) is None
        and actor.has_perm(CONFIRM_OUTCOME_PERMISSION)
    )


def _check_final_amount(final_amount: Decimal | None, currency: str, closed_on: datetime.date | None) -> None:
    errors = {}
    if final_amount is None:
        errors["final_amount"] = _("Enter the final amount of the won deal.")
    elif final_amount <= 0:
        errors["final_amount"] = _("The final amount must be greater than zero.")
    else:
        try:
            validate_money_precision(final_amount, currency)
        except ValidationError as error:
            errors["final_amount"] = error.messages
    if closed_on is None:
        errors["closed_on"] = _("Enter the date the deal closed.")
    elif closed_on > timezone.localdate():
        errors["closed_on"] = _("The close date cannot be in the future.")
    if errors:
        raise ValidationError(errors)


#: The program-currency fields of a deal that counts in no program currency.
NOT_CONVERTED = MappingProxyType(
    {"program_amount": None, "program_currency": "", "exchange_rate": None, "exchange_rate_date": None}
)


def _conversion(deal: DealRegistration, final_amount: Decimal, closed_on: datetime.date) -> tuple[dict, str]:
    """The program-currency fields to record for a confirmed win, and an
    internal note when no exchange rate applies (the win then counts for
    nothing until channel ops add a rate and convert it: never silently 0)."""
    conversion = money_to_program_currency(amount=final_amount, currency=deal.currency, day=closed_on)
    if conversion is None:
        target = program_currency()
        logger.warning("Deal %s: no exchange rate %s→%s on %s", deal.pk, deal.currency, target, closed_on)
        note = (
            f"No exchange rate from {deal.currency} to {target} valid on {closed_on.isoformat()}: "
            "this win counts toward tiers and rebates once finance or channel ops add that rate under "
            "Partner program → Exchange rates. It is then converted on its own, within minutes of the save "
            "(at the latest by the nightly check): nothing to do on the deal."
        )
        return NOT_CONVERTED, note
    return {
        "program_amount": conversion.amount,
        "program_currency": conversion.currency,
        "exchange_rate": conversion.rate,
        "exchange_rate_date": conversion.rate_date,
    }, ""


def _close(deal: DealRegistration, status: str, kind: str, *, actor, note: str = "", partner_note: str = "", **fields):
    """A confirmed outcome: protection ends; a win records its program-currency
    amount and queues tier evaluation and whoever listens to deal outcomes."""
    _release(deal)
    if status == DealStatus.WON:
        converted, missing_rate = _conversion(deal, fields["final_amount"], fields["closed_on"])
        fields.update(converted)
        note = "\n".join(filter(None, [note, missing_rate]))
    event = _set_status(deal, status, kind, actor=actor, note=note, partner_note=partner_note, **fields)
    if status == DealStatus.WON:
        tier_evaluation_request(organization=deal.organization, reason=_("Deal won"))
        deal_outcome_changed(deal=deal, event=event)
    return event


def _auto_confirms(deal: DealRegistration) -> bool:
    """The program's rule: reported wins under an amount (in its currency) count at once."""
    settings = _settings()
    return (
        deal.status == DealStatus.REPORTED_WON
        and settings.auto_confirm_wins_below is not None
        and deal.currency == settings.auto_confirm_currency
        and deal.final_amount < settings.auto_confirm_wins_below
    )


@transaction.atomic
def deal_update_stage(
    *,
    deal: DealRegistration,
    actor,
    stage: str,
    final_amount: Decimal | None = None,
    closed_on: datetime.date | None = None,
) -> DealRegistration:
    """The partner moves the opportunity along; won needs the final amount and
    close date. Won or lost said by a partner is *reported*: it counts for
    tiers and incentives once a vendor user or the CRM confirms it
    (:func:`deal_outcome_confirm`), or at once under the auto-confirm amount.
    Said by a vendor user or the CRM integration it is confirmed at once."""
    deal = _locked(deal)
    if stage not in DealStage.values:
        raise ValidationError({"stage": _("Choose a valid stage.")})
    if stage in (DealStage.WON, DealStage.LOST):
        _require_status(deal, (DealStatus.APPROVED,), _("Only an approved registration can be closed as won or lost."))
    else:
        _require_status(deal, ACTIVE_STATUSES, _("This registration is closed; its stage can no longer change."))
    if stage in (DealStage.WON, DealStage.LOST):
        if stage == DealStage.WON:
            _check_final_amount(final_amount, deal.currency, closed_on)
            fields = {"stage": stage, "final_amount": final_amount, "closed_on": closed_on}
        else:
            fields = {"stage": stage, "closed_on": closed_on or timezone.localdate()}
        if outcome_trusted(actor):
            status = DealStatus.WON if stage == DealStage.WON else DealStatus.LOST
            _close(deal, status, DealEventKind.STAGE, actor=actor, **fields)
            return deal
        reported = DealStatus.REPORTED_WON if stage == DealStage.WON else DealStatus.REPORTED_LOST
        _set_status(
            deal,
            reported,
            DealEventKind.OUTCOME_REPORTED,
            actor=actor,
            partner_note=_("Channel operations will confirm it; until then it does not count toward your tier."),
            **fields,
        )
        if _auto_confirms(deal):
            _confirm(deal, actor=None, note="Confirmed automatically: under the program's auto-confirm amount.")
    elif stage != deal.stage:
        before = deal.stage
        deal.stage = stage
        deal.save(update_fields=["stage", "updated_at"])
        _event(
            deal,
            DealEventKind.STAGE,
            actor=actor,
            from_status=deal.status,
            to_status=deal.status,
            before={"stage": before},
            after={"stage": stage},
            partner_note=str(deal.get_stage_display()),
        )
    return deal


def _require_confirmer(actor) -> None:
    if actor is not None and not outcome_trusted(actor):
        raise ValidationError(
            _("Only channel operations or the CRM integration can confirm or reject a reported outcome."),
            code="permission",
        )


def _confirm(deal: DealRegistration, *, actor, note: str = "", **corrections) -> None:
    status = DealStatus.WON if deal.status == DealStatus.REPORTED_WON else DealStatus.LOST
    fields = {"final_amount": deal.final_amount, "closed_on": deal.closed_on, **corrections}
    if status == DealStatus.LOST:
        fields.pop("final_amount")
    _close(
        deal,
        status,
        DealEventKind.OUTCOME_CONFIRMED,
        actor=actor,
        note=note,
        partner_note=_("Confirmed: it now counts toward your tier and incentives.")
        if status == DealStatus.WON
        else _("Confirmed as lost."),
        **fields,
    )


@transaction.atomic
def deal_outcome_confirm(
    *,
    deal: DealRegistration,
    actor,
    note: str = "",
    final_amount: Decimal | None = None,
    closed_on: datetime.date | None = None,
) -> DealRegistration:
    """A vendor user (admin) or the CRM integration confirms the won or lost
    outcome a partner reported, optionally with the amount or close date the
    books show. A win then counts: its program-currency amount is recorded,
    the tier is re-evaluated and incentives accrue. The partner is told."""
    _require_confirmer(actor)
    deal = _locked(deal)
    _require_status(deal, REPORTED_STATUSES, _("This deal has no reported outcome waiting for confirmation."))
    corrections = {}
    if deal.status == DealStatus.REPORTED_WON:
        if final_amount is not None:
            corrections["final_amount"] = final_amount
        if closed_on is not None:
            corrections["closed_on"] = closed_on
        amount = corrections.get("final_amount", deal.final_amount)
        _check_final_amount(amount, deal.currency, corrections.get("closed_on", deal.closed_on))
    _confirm(deal, actor=actor, note=note, **corrections)
    return deal


def _stage_before_report(deal: DealRegistration) -> str:
    report = (
        deal.events.filter(kind=DealEventKind.OUTCOME_REPORTED, to_status=deal.status).order_by("-at", "-pk").first()
    )
    stage = (report.before.get("stage") if report else None) or DealStage.NEGOTIATION
    return stage if stage not in (DealStage.WON, DealStage.LOST) else DealStage.NEGOTIATION


@transaction.atomic
def deal_outcome_reject(*, deal: DealRegistration, actor, reason: str) -> DealRegistration:
    """A vendor user or the CRM says the reported outcome is not what happened:
    the registration goes back to approved (protection kept) at the stage it
    had, without the reported amount, and the partner sees the reason."""
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Tell the partner why the outcome is not confirmed.")})
    _require_confirmer(actor)
    deal = _locked(deal)
    _require_status(deal, REPORTED_STATUSES, _("This deal has no reported outcome waiting for confirmation."))
    _set_status(
        deal,
        DealStatus.APPROVED,
        DealEventKind.OUTCOME_REJECTED,
        actor=actor,
        note=reason,
        partner_note=reason,
        stage=_stage_before_report(deal),
        final_amount=None,
        closed_on=None,
        decision_reason=reason,
    )
    return deal


@transaction.atomic
def deal_convert_outcome(*, deal: DealRegistration, actor, note: str = "") -> DealRegistration:
    """Record the program-currency amount of a confirmed win that had no
    exchange rate (channel ops added one since): it then counts toward tiers
    (re-evaluated as at confirmation). ``note`` says why, in the audit trail."""
    deal = _locked(deal)
    _require_status(deal, (DealStatus.WON,), _("Only a won deal is converted to the program currency."))
    converted, missing_rate = _conversion(deal, deal.final_amount, deal.closed_on)
    if missing_rate:
        raise ValidationError(
            _("No exchange rate from %(currency)s to %(program)s valid on %(date)s.")
            % {"currency": deal.currency, "program": program_currency(), "date": deal.closed_on.isoformat()},
            code="no_rate",
        )
    _record_conversion(deal, converted, actor=actor, note=note, reason=_("Deal converted to the program currency"))
    return deal


def _record_conversion(deal: DealRegistration, converted: Mapping, *, actor, note: str, reason: str) -> bool:
    """Store a win's program-currency fields when they change, with a
    "converted" event (who, when, why, before and after), and re-evaluate
    the tier as a confirmation does. False when nothing changed."""
    if all(getattr(deal, name) == value for name, value in converted.items()):
        return False
    before, after = status_change(deal, converted)
    if not after:
        return False
    _event(
        deal,
        DealEventKind.CONVERTED,
        actor=actor,
        from_status=deal.status,
        to_status=deal.status,
        before=before,
        after=after,
        note=note,
    )
    tier_evaluation_request(organization=deal.organization, reason=reason)
    return True


@transaction.atomic
def deal_reconvert_outcome(*, deal: DealRegistration, actor, note: str = "") -> bool:
    """Convert again a confirmed win whose exchange rate changed since it was
    converted (edited, superseded or deleted): the rate now in force on its
    close date gives its program-currency amount, or, when none is left, the
    win waits for a rate again (listed on the registrations page and
    converted as soon as one is saved). A "converted" event keeps the amount
    and rate before and after, ``actor`` (who changed the rate) and ``note``;
    the tier is re-evaluated. False when the deal changed meanwhile (no longer
    won, or already converted with the rate in force)."""
    deal = _locked(deal)
    if deal.status != DealStatus.WON or not deal.final_amount or not deal.closed_on:
        return False
    converted, missing_rate = _conversion(deal, deal.final_amount, deal.closed_on)
    return _record_conversion(
        deal,
        converted,
        actor=actor,
        note="\n".join(filter(None, [note, missing_rate])),
        reason=_("Deal converted again after an exchange rate change"),
    )


def deals_convert_for_rate(
    *,
    source_currency: str,
    target_currency: str,
    valid_from: datetime.date,
    actor=None,
    rate_text: str = "",
    note: str = "",
) -> int:
    """Convert every confirmed win waiting for a rate that a rate of
    ``source_currency`` → ``target_currency`` in force from ``valid_from``
    now converts (:func:`deal_convert_outcome`, one transaction per deal):
    each gets a "converted" event naming ``actor`` (who entered the rate)
    and ``rate_text``. Returns how many were converted; run again, it finds
    none (idempotent)."""
    waiting = wins_waiting_for_rate(
        source_currency=source_currency,
        target_currency=target_currency,
        valid_from=valid_from,
        program_currency=program_currency(),
    )
    note = note or f"Converted when the exchange rate {rate_text or f'{source_currency}→{target_currency}'} was saved."
    converted = 0
    for deal in waiting.iterator():
        try:
            deal_convert_outcome(deal=deal, actor=actor, note=note)
        except ValidationError:
            # Changed meanwhile (reopened, or the rate no longer applies): the admin still lists it.
            logger.info("Deal %s not converted after the %s rate was saved", deal.pk, rate_text)
            continue
        converted += 1
    return converted


def deals_convert_waiting_wins() -> int:
    """Nightly safety net: convert every confirmed win still waiting for an
    exchange rate that now exists. A win confirmed while finance was saving
    its rate finds no committed rate, and the save did not see the win yet:
    neither converts it. Each conversion is recorded as a "converted" event
    by the system; run again, it finds none (idempotent)."""
    target = program_currency()
    waiting = without_rate(DealRegistration.objects.exclude(currency=target), target)
    converted = 0
    for source in sorted(set(waiting.values_list("currency", flat=True))):
        first = ExchangeRate.objects.filter(source_currency=source, target_currency=target).order_by("valid_from")
        first = first.first()
        if first is None:
            continue
        converted += deals_convert_for_rate(
            source_currency=source,
            target_currency=target,
            valid_from=first.valid_from,
            note="Converted by the nightly check of wins waiting for an exchange rate.",
        )
    return converted


def deals_reconvert_for_rate_change(
    *, pairs: dict[tuple[str, str], datetime.date], actor=None, change_text: str = ""
) -> int:
    """Convert again every confirmed win converted with a rate a change of
    exchange rate replaced (:func:`deal_reconvert_outcome`, one transaction
    per deal), naming ``actor`` (who changed the rate) and ``change_text``.
    Returns how many changed; run again, it finds none (idempotent)."""
    outdated = wins_converted_with_outdated_rate(pairs=pairs, program_currency=program_currency())
    note = f"Converted again after the exchange rate change: {change_text}." if change_text else ""
    return sum(deal_reconvert_outcome(deal=deal, actor=actor, note=note) for deal in outdated.iterator())


@transaction.atomic
def deal_correct_outcome(
    *,
    deal: DealRegistration,
    actor,
    reason: str,
    status: str | None = None,
    final_amount: Decimal | None = None,
    closed_on: datetime.date | None = None,
) -> DealRegistration:
    """Channel ops correct a closed deal: its amount, close date, or won/lost.
    The event keeps the values before and after; tier evaluation and whoever
    listens to deal outcomes (incentive accruals) recompute from the new values."""
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the deal is corrected.")})
    deal = _locked(deal)
    _require_status(deal, CLOSED_STATUSES, _("Only a won or lost deal can be corrected."))
    changes = {}
    if status is not None and status != deal.status:
        if status not in CLOSED_STATUSES:
            raise ValidationError({"status": _("A closed deal is either won or lost.")})
        changes["status"] = status
        changes["stage"] = DealStage.WON if status == DealStatus.WON else DealStage.LOST
    if final_amount is not None and final_amount != deal.final_amount:
        if final_amount <= 0:
            raise ValidationError({"final_amount": _("The final amount must be greater than zero.")})
        try:
            validate_money_precision(final_amount, deal.currency)
        except ValidationError as error:
            raise ValidationError({"final_amount": error.messages}) from error
        changes["final_amount"] = final_amount
    if closed_on is not None and closed_on != deal.closed_on:
        if closed_on > timezone.localdate():
            raise ValidationError({"closed_on": _("The close date cannot be in the future.")})
        changes["closed_on"] = closed_on
    if changes.get("status", deal.status) == DealStatus.WON and not changes.get("final_amount", deal.final_amount):
        raise ValidationError({"final_amount": _("Enter the final amount of the won deal.")})
    if not changes:
        return deal
    missing_rate = ""
    if changes.get("status", deal.status) == DealStatus.WON:
        converted, missing_rate = _conversion(
            deal, changes.get("final_amount", deal.final_amount), changes.get("closed_on", deal.closed_on)
        )
    else:
        converted = NOT_CONVERTED
    before, after = status_change(deal, {"status": deal.status, **changes, **converted})
    event = _event(
        deal,
        DealEventKind.EDITED,
        actor=actor,
        from_status=before["status"],
        to_status=deal.status,
        before=before,
        after=after,
        note="\n".join(filter(None, [reason, missing_rate])),
        partner_note=_("Outcome corrected by channel operations."),
    )
    tier_evaluation_request(organization=deal.organization, reason=_("Deal corrected"))
    deal_outcome_changed(deal=deal, event=event)
    return deal


def deal_reopen_allowed(*, deal: DealRegistration, actor) -> bool:
    """Whether ``actor`` may reopen ``deal``: a vendor user who reviews
    registrations and has this deal's organization in their portfolio (or
    sees every partner); never a partner user, whatever they were granted."""
    return bool(
        actor is not None
        and getattr(actor, "is_authenticated", False)
        and partner_context(actor) is None
        and actor.has_perm(REVIEW_PERMISSION)
        and scoped(DealRegistration.objects.filter(pk=deal.pk), actor, action="change").exists()
    )


@transaction.atomic
def deal_reopen(*, deal: DealRegistration, actor, reason: str) -> DealRegistration:
    """A vendor user reopens a confirmed won or lost deal (closed by mistake,
    or the customer came back): it is approved again at the negotiation
    stage, protected for the tier's days from now, without its final amount
    and close date. The event keeps the values before and after, who and why.
    A reopened win no longer counts: the tier is re-evaluated and whoever
    listens to deal outcomes recomputes (incentives write reversing lines,
    never edits, and settle again the rebate of the period it left).
    The partner is told."""
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the deal is reopened.")})
    if not deal_reopen_allowed(deal=deal, actor=actor):
        raise ValidationError(
            _("Only channel operations reviewing this partner's registrations can reopen its deals."),
            code="permission",
        )
    deal = _locked(deal)
    _require_status(deal, CLOSED_STATUSES, _("Only a confirmed won or lost deal can be reopened."))
    was_won = deal.status == DealStatus.WON
    try:
        _claim(deal)
    except ProtectionTaken as error:
        raise ValidationError(
            _(
                "This deal cannot be reopened: another registration has taken protection for this customer and "
                "product line since it closed."
            ),
            code="protection_taken",
        ) from error
    reason = reason.strip()
    days = _protection_days(deal.organization)
    event = _set_status(
        deal,
        DealStatus.APPROVED,
        DealEventKind.REOPENED,
        actor=actor,
        note=reason,
        partner_note=_("Reopened by channel operations and protected for %(days)s days. Reason: %(reason)s")
        % {"reason": reason, "days": days},
        stage=DealStage.NEGOTIATION,
        final_amount=None,
        closed_on=None,
        protected_until=timezone.now() + datetime.timedelta(days=days),
        decision_reason="",
        **NOT_CONVERTED,
    )
    if was_won:
        tier_evaluation_request(organization=deal.organization, reason=_("Deal reopened"))
    deal_outcome_changed(deal=deal, event=event)
    return deal


@transaction.atomic
def deal_request_extension(*, deal: DealRegistration, actor, reason: str) -> DealRegistration:
    """The partner asks once to extend an approved registration's protection."""
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the protection should be extended.")})
    deal = _locked(deal)
    _require_status(deal, (DealStatus.APPROVED,), _("Only an approved registration can be extended."))
    if deal.extension_status:
        raise ValidationError({"reason": _("An extension has already been requested for this registration.")})
    deal.extension_status = ExtensionStatus.REQUESTED
    deal.extension_reason = reason
    deal.save(update_fields=["extension_status", "extension_reason", "updated_at"])
    _event(
        deal,
        DealEventKind.EXTENSION_REQUESTED,
        actor=actor,
        from_status=deal.status,
        to_status=deal.status,
        after={"extension_status": ExtensionStatus.REQUESTED, "extension_reason": reason},
        partner_note=reason,
    )
    return deal


@transaction.atomic
def deal_decide_extension(*, deal: DealRegistration, actor, approve: bool, note: str = "") -> DealRegistration:
    """Channel ops grant (``extension_days`` more) or decline a requested extension."""
    deal = _locked(deal)
    if deal.extension_status != ExtensionStatus.REQUESTED or deal.status != DealStatus.APPROVED:
        raise ValidationError(_("There is no pending extension request."), code="status")
    before = {"extension_status": deal.extension_status, "protected_until": deal.protected_until}
    if approve:
        deal.protected_until += datetime.timedelta(days=_settings().extension_days)
        deal.extension_status = ExtensionStatus.APPROVED
        partner_note = _("Extension approved: protected until %(date)s.") % {
            "date": deal.protected_until.date().isoformat()
        }
    else:
        deal.extension_status = ExtensionStatus.REJECTED
        partner_note = _("Extension declined.") + (f" {note}" if note else "")
    deal.save(update_fields=["extension_status", "protected_until", "updated_at"])
    _event(
        deal,
        DealEventKind.EXTENSION_APPROVED if approve else DealEventKind.EXTENSION_REJECTED,
        actor=actor,
        from_status=deal.status,
        to_status=deal.status,
        before=before,
        after={"extension_status": deal.extension_status, "protected_until": deal.protected_until},
        note=note,
        partner_note=partner_note,
    )
    return deal


@transaction.atomic
def deal_expire(*, deal: DealRegistration) -> bool:
    """End a lapsed protection (by the system). False if it no longer applies."""
    deal = _locked(deal)
    if deal.status != DealStatus.APPROVED or deal.protected_until is None or deal.protected_until > timezone.now():
        return False
    _release(deal)
    _set_status(
        deal, DealStatus.EXPIRED, DealEventKind.EXPIRED, partner_note=_("Protection ended; the registration expired.")
    )
    return True


def deals_expire_lapsed() -> int:
    """Expire every approved registration whose protection has lapsed; one
    transaction per registration so a failure does not undo the others."""
    lapsed = DealRegistration.objects.filter(status=DealStatus.APPROVED, protected_until__lte=timezone.now())
    return sum(deal_expire(deal=deal) for deal in lapsed.only("pk").iterator())


@transaction.atomic
def deal_send_expiry_reminder(*, deal: DealRegistration, days_before: int) -> bool:
    """E-mail the partner that protection ends in ``days_before`` days, once
    per protection period. False if already sent or no longer relevant."""
    deal = _locked(deal)
    if deal.status != DealStatus.APPROVED or deal.protected_until is None:
        return False
    _reminder, created = DealReminder.objects.get_or_create(
        deal=deal, days_before=days_before, protected_until=deal.protected_until
    )
    if not created:
        return False
    _event(
        deal,
        DealEventKind.REMINDER,
        from_status=deal.status,
        to_status=deal.status,
        partner_note=_("Reminder: protection ends on %(date)s.") % {"date": deal.protected_until.date().isoformat()},
    )
    notify(
        recipient=deal.submitted_by,
        address=deal.organization.contact_email,
        organization=deal.organization,
        category=notifications.DEAL_DECISION,
        title=gettext_lazy("Deal protection for %(company)s ends in %(days)s days"),
        body=gettext_lazy(
            "Your registration of %(company)s is protected until %(date)s. Update its stage, or request an "
            "extension from the registration page."
        ),
        params={
            "company": deal.company_name,
            "days": days_before,
            "date": lambda: date_format(localtime(deal.protected_until), "DATE_FORMAT"),
        },
        url=reverse("deals:detail", args=[deal.pk]),
    )
    return True


def deals_send_expiry_reminders() -> int:
    """Send the 14- and 3-day reminders that are due; safe to run any number of times."""
    now = timezone.now()
    sent = 0
    windows = sorted(REMINDER_DAYS)  # 3, 14: each reminder covers up to the next shorter one
    for index, days in enumerate(windows):
        after = now + datetime.timedelta(days=windows[index - 1]) if index else now
        due = DealRegistration.objects.filter(
            status=DealStatus.APPROVED,
            protected_until__gt=after,
            protected_until__lte=now + datetime.timedelta(days=days),
        ).exclude(
            Exists(
                DealReminder.objects.filter(
                    deal=OuterRef("pk"), days_before=days, protected_until=OuterRef("protected_until")
                )
            )
        )
        for deal in due.only("pk").iterator():
            sent += deal_send_expiry_reminder(deal=deal, days_before=days)
    return sent


def deal_notify_partner(*, event: DealEvent) -> None:
    """Tell the submitter (else the organization's contact address) about a
    decision on their registration, through the notification centre."""
    deal = event.deal
    if event.kind == DealEventKind.OUTCOME_REJECTED:
        # A rejected report leaves the deal approved: say what happened, not the status.
        status, note = event.get_kind_display, lambda: event.partner_note
    elif event.kind == DealEventKind.OUTCOME_CONFIRMED:
        won = deal.status == DealStatus.WON
        status, note = (lambda: deal.partner_status_text), (lambda: str(CONFIRMED_WON if won else CONFIRMED_LOST))
    else:
        status, note = (lambda: deal.partner_status_text), (lambda: event.partner_note or deal.partner_status_text)
    notify(
        recipient=deal.submitted_by,
        address=deal.organization.contact_email,
        organization=deal.organization,
        category=notifications.DEAL_DECISION,
        title=gettext_lazy("Deal registration %(company)s: %(status)s"),
        # The reviewer's note is shown as written, never read as a format string.
        body="%(note)s",
        params={"company": deal.company_name, "status": status, "note": note},
        url=reverse("deals:detail", args=[deal.pk]),
    )


@transaction.atomic
def deal_provide_info(*, deal: DealRegistration, actor, answer: str) -> DealRegistration:
    """The partner answers a request for more information; the registration
    goes back to the review queue."""
    if not (answer or "").strip():
        raise ValidationError({"reason": _("Write the information requested.")})
    deal = _locked(deal)
    _require_status(
        deal, (DealStatus.MORE_INFO_REQUESTED,), _("No information has been requested for this registration.")
    )
    _set_status(
        deal, DealStatus.UNDER_REVIEW, DealEventKind.INFO_PROVIDED, actor=actor, note=answer, partner_note=answer
    )
    return deal


@transaction.atomic
def deal_share(*, deal: DealRegistration, user, actor) -> None:
    """Let ``user`` (e.g. a co-selling partner's rep) view ``deal``; recorded in its history."""
    assign_perm("deals.view_dealregistration", user, deal)
    _event(deal, DealEventKind.EDITED, actor=actor, after={"shared_with": user.get_username()})
