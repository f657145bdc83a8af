"""Business rules of vendor leads: creation (form, API, CSV import),
distribution by the admin's ordered rules, the partner's answer within the
SLA, reassignment of declined and lapsed leads, and conversion into a deal
registration. Every change records a ``LeadEvent`` in the same transaction."""

import datetime
from collections.abc import Mapping
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from programs import notifications
from programs.audit import json_safe, status_change
from programs.models import OrganizationStatus, PartnerOrganization
from programs.tenancy import PORTAL_STATUSES

from ..matching import normalize_domain
from ..models import (
    Campaign,
    DealProgramSettings,
    DealRegistration,
    DistributionAction,
    Lead,
    LeadDistributionRule,
    LeadEvent,
    LeadEventKind,
    LeadOffer,
    LeadOfferOutcome,
    LeadSource,
    LeadStatus,
)
from ..webhooks import lead_event_publish
from . import deal_register

#: Lead fields a creator fills in (product lines and campaign apart).
LEAD_FIELDS = (
    "company_name",
    "domain",
    "country",
    "contact_name",
    "contact_email",
    "contact_phone",
    "estimated_value",
    "currency",
    "notes",
)
#: Outcomes after which an organization is never offered the same lead again.
REFUSED_OUTCOMES = (LeadOfferOutcome.DECLINED, LeadOfferOutcome.LAPSED)
#: Roles told about a new offer and allowed to answer it.
LEAD_ROLES = ("sales", "owner")


def _event(
    lead: Lead,
    kind: str,
    *,
    actor=None,
    organization_id=None,
    from_status="",
    to_status="",
    before=None,
    after=None,
    note="",
) -> LeadEvent:
    event = LeadEvent.objects.create(
        lead=lead,
        organization_id=organization_id or lead.organization_id,
        actor=actor,
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        before={key: json_safe(value) for key, value in (before or {}).items()},
        after={key: json_safe(value) for key, value in (after or {}).items()},
        note=note,
    )
    lead_event_publish(event=event)
    return event


def _set_status(lead: Lead, status: str, kind: str, *, actor=None, note: str = "", **fields) -> LeadEvent:
    """Change status (and ``fields``) and record the event with what changed;
    the event names the organization concerned (the previous one when the
    lead leaves it)."""
    previous_organization_id = lead.organization_id
    before, after = status_change(lead, {"status": status, **fields})
    return _event(
        lead,
        kind,
        actor=actor,
        organization_id=lead.organization_id or previous_organization_id,
        from_status=before["status"],
        to_status=status,
        before=before,
        after=after,
        note=note,
    )


def _sla() -> datetime.timedelta:
    return datetime.timedelta(hours=DealProgramSettings.load().lead_sla_hours)


def _locked(lead: Lead) -> Lead:
    return Lead.objects.select_for_update(of=("self",)).get(pk=lead.pk)


def _require_status(lead: Lead, statuses, message: str) -> None:
    if lead.status not in statuses:
        raise ValidationError(message, code="status")


def _pending_offer(lead: Lead) -> LeadOffer | None:
    return lead.offers.filter(outcome=LeadOfferOutcome.PENDING).first()


def _close_offer(lead: Lead, outcome: str, reason: str = "") -> None:
    lead.offers.filter(outcome=LeadOfferOutcome.PENDING).update(
        outcome=outcome, answered_at=timezone.now(), reason=reason
    )


# Building and validating ------------------------------------------------


def lead_build(
    *,
    company_name: str,
    country: str,
    domain: str = "",
    contact_name: str = "",
    contact_email: str = "",
    contact_phone: str = "",
    estimated_value: Decimal | None = None,
    currency: str = "",
    notes: str = "",
    campaign: Campaign | None = None,
    source: str = LeadSource.MANUAL,
    created_by=None,
) -> Lead:
    """An unsaved, validated lead; raises ``ValidationError`` by field.
    Used before storing anything (the CSV import validates every row first)."""
    errors: dict[str, list] = {}
    try:
        domain = normalize_domain(domain or "")
    except ValidationError as error:
        errors["domain"] = error.messages
        domain = ""
    lead = Lead(
        company_name=(company_name or "").strip(),
        domain=domain,
        country=(country or "").strip().upper(),
        contact_name=(contact_name or "").strip(),
        contact_email=(contact_email or "").strip(),
        contact_phone=(contact_phone or "").strip(),
        estimated_value=estimated_value,
        currency=(currency or "").strip().upper(),
        notes=notes or "",
        campaign=campaign,
        source=source,
        created_by=created_by,
    )
    try:
        lead.full_clean(exclude=["organization", "distribution_rule"], validate_constraints=False)
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    return lead


def _store(lead: Lead, product_lines, *, distribute: bool) -> Lead:
    lead.save()
    lead.product_lines.set(product_lines)
    _event(
        lead,
        LeadEventKind.CREATED,
        actor=lead.created_by,
        to_status=lead.status,
        after={
            **{name: getattr(lead, name) for name in LEAD_FIELDS},
            "campaign": lead.campaign_id,
            "source": lead.source,
            "product_lines": sorted(line.code for line in product_lines),
        },
    )
    if distribute:
        _distribute(lead)
    return lead


@transaction.atomic
def lead_create(*, created_by, product_lines=(), distribute: bool = True, idempotency_key: str = "", **fields) -> Lead:
    """Store a lead (fields as ``lead_build``) and offer it to a partner by the
    distribution rules. Raises ``ValidationError`` (nothing stored) on bad input.
    A second create with the same ``idempotency_key`` returns the first lead."""
    if idempotency_key:
        existing = Lead.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
    lead = lead_build(created_by=created_by, **fields)
    lead.idempotency_key = idempotency_key
    if idempotency_key:
        try:
            with transaction.atomic():
                lead.save()
        except IntegrityError:
            # A retry raced us: the other request stored it first.
            return Lead.objects.get(idempotency_key=idempotency_key)
    return _store(lead, list(product_lines), distribute=distribute)


@transaction.atomic
def leads_create_many(*, leads: list[tuple[Lead, list]], distribute: bool = True) -> list[Lead]:
    """Store already validated leads (``lead_build``) with their product lines,
    all or none, then distribute each."""
    return [_store(lead, lines, distribute=distribute) for lead, lines in leads]


# Distribution -------------------------------------------------------------


def rule_applies(rule: LeadDistributionRule, lead: Lead, line_keys: set) -> bool:
    """Whether the lead conditions of ``rule`` (country, product line) hold."""
    if rule.country_codes and lead.country not in rule.country_codes:
        return False
    rule_lines = {line.translation_key for line in rule.product_lines.all()}
    return not rule_lines or bool(rule_lines & line_keys)


def rule_candidates(rule: LeadDistributionRule, *, excluded=()):
    """Active organizations meeting the rule's partner conditions, by id."""
    organizations = PartnerOrganization.objects.filter(status=OrganizationStatus.ACTIVE).exclude(pk__in=excluded)
    if rule.action == DistributionAction.ORGANIZATION:
        return organizations.filter(pk=rule.organization_id)
    regions = [region.pk for region in rule.regions.all()]
    if regions:
        organizations = organizations.filter(region_id__in=regions)
    types = [partner_type.translation_key for partner_type in rule.partner_types.all()]
    if types:
        organizations = organizations.filter(partner_type__translation_key__in=types)
    tiers = [tier.translation_key for tier in rule.tiers.all()]
    if tiers:
        organizations = organizations.filter(tier__translation_key__in=tiers)
    return organizations.order_by("pk")


def _pick(rule: LeadDistributionRule, excluded) -> PartnerOrganization | None:
    if rule.action == DistributionAction.ORGANIZATION:
        return rule_candidates(rule, excluded=excluded).first()
    # The cursor row is locked until commit, so concurrent distributions by
    # the same rule take turns and each moves the cursor on.
    cursor = LeadDistributionRule.objects.select_for_update().only("pk", "last_organization_id").get(pk=rule.pk)
    candidates = rule_candidates(rule, excluded=excluded)
    chosen = candidates.filter(pk__gt=cursor.last_organization_id or 0).first() or candidates.first()
    if chosen is not None:
        cursor.last_organization_id = chosen.pk
        cursor.save(update_fields=["last_organization_id"])
    return chosen


def _offer(lead: Lead, organization: PartnerOrganization, *, rule=None, actor=None, note: str = "") -> None:
    now = timezone.now()
    respond_by = now + _sla()
    LeadOffer.objects.create(lead=lead, organization=organization, rule=rule, offered_at=now, respond_by=respond_by)
    _set_status(
        lead,
        LeadStatus.OFFERED,
        LeadEventKind.OFFERED,
        actor=actor,
        note=note or (f"Rule: {rule.name}" if rule else "Assigned by channel operations."),
        organization=organization,
        distribution_rule=rule,
        offered_at=now,
        respond_by=respond_by,
    )
    from ..tasks import notify_partner_of_lead_offer

    notify_partner_of_lead_offer.delay_on_commit(lead.pk, organization.pk)


def _distribute(lead: Lead, *, actor=None) -> PartnerOrganization | None:
    """Offer ``lead`` by the first rule that finds an organization; without
    one, take it away from its organization and leave it to channel ops."""
    excluded = set(
        LeadOffer.objects.filter(lead=lead, outcome__in=REFUSED_OUTCOMES).values_list("organization_id", flat=True)
    )
    line_keys = set(lead.product_lines.values_list("translation_key", flat=True))
    rules = LeadDistributionRule.objects.filter(is_active=True).prefetch_related(
        "product_lines", "regions", "partner_types", "tiers"
    )
    for rule in rules:
        if rule_applies(rule, lead, line_keys):
            organization = _pick(rule, excluded)
            if organization is not None:
                _offer(lead, organization, rule=rule, actor=actor)
                return organization
    _set_status(
        lead,
        lead.status if lead.status in (LeadStatus.DECLINED, LeadStatus.EXPIRED) else LeadStatus.NEW,
        LeadEventKind.UNASSIGNED,
        actor=actor,
        note="No distribution rule found an organization; assign the lead by hand.",
        organization=None,
        distribution_rule=None,
        offered_at=None,
        respond_by=None,
    )
    return None


@transaction.atomic
def lead_assign(*, lead: Lead, organization: PartnerOrganization, actor, note: str = "") -> Lead:
    """Channel ops offer a lead to an organization by hand (withdrawing any
    pending offer); the SLA starts again."""
    lead = _locked(lead)
    _require_status(
        lead,
        (LeadStatus.NEW, LeadStatus.OFFERED, LeadStatus.DECLINED, LeadStatus.EXPIRED),
        _("This lead has been accepted; it can no longer be reassigned."),
    )
    if organization.status not in PORTAL_STATUSES:
        raise ValidationError({"organization": _("This organization cannot use the portal.")})
    _close_offer(lead, LeadOfferOutcome.WITHDRAWN, reason=note)
    _offer(lead, organization, actor=actor, note=note)
    return lead


# The partner's answer -----------------------------------------------------


def _require_open_offer(lead: Lead) -> None:
    _require_status(lead, (LeadStatus.OFFERED,), _("This lead is not waiting for your answer."))
    if lead.respond_by is not None and lead.respond_by <= timezone.now():
        raise ValidationError(_("The time to answer this lead has passed."), code="lapsed")


@transaction.atomic
def lead_accept(*, lead: Lead, actor) -> Lead:
    """The partner takes the lead within the SLA."""
    lead = _locked(lead)
    _require_open_offer(lead)
    _close_offer(lead, LeadOfferOutcome.ACCEPTED)
    _set_status(lead, LeadStatus.ACCEPTED, LeadEventKind.ACCEPTED, actor=actor)
    return lead


@transaction.atomic
def lead_decline(*, lead: Lead, actor, reason: str) -> Lead:
    """The partner turns the lead down with a reason; it is offered to the
    next matching organization after commit (and by the periodic sweep)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why you decline this lead.")})
    lead = _locked(lead)
    _require_open_offer(lead)
    _close_offer(lead, LeadOfferOutcome.DECLINED, reason=reason)
    _set_status(lead, LeadStatus.DECLINED, LeadEventKind.DECLINED, actor=actor, note=reason, decline_reason=reason)
    from ..tasks import reassign_lead

    reassign_lead.delay_on_commit(lead.pk)
    return lead


@transaction.atomic
def lead_reassign(*, lead: Lead) -> bool:
    """Move a declined or lapsed lead on to the next organization (never one
    that declined it or let it lapse). False when there is nothing to do."""
    lead = _locked(lead)
    if lead.status == LeadStatus.OFFERED and lead.respond_by is not None and lead.respond_by <= timezone.now():
        _close_offer(lead, LeadOfferOutcome.LAPSED)
        _set_status(lead, LeadStatus.EXPIRED, LeadEventKind.LAPSED, note="Not answered in time.")
    elif not (lead.status == LeadStatus.DECLINED and lead.organization_id):
        return False
    _distribute(lead)
    return True


def leads_reassign_due() -> int:
    """Reassign every lapsed offer and every declined lead still with its
    decliner; one transaction per lead so a failure does not undo the others."""
    due = Lead.objects.filter(
        Q(status=LeadStatus.OFFERED, respond_by__lte=timezone.now())
        | Q(status=LeadStatus.DECLINED, organization__isnull=False)
    )
    return sum(lead_reassign(lead=lead) for lead in due.only("pk").iterator())


# Conversion ---------------------------------------------------------------


def lead_deal_initial(lead: Lead) -> dict:
    """What a registration converted from ``lead`` starts with."""
    return {
        **{name: getattr(lead, name) for name in LEAD_FIELDS if getattr(lead, name) not in (None, "")},
        "product_lines": list(lead.product_lines.all()),
    }


@transaction.atomic
def lead_convert(
    *, lead: Lead, actor, expected_close_date: datetime.date, extras: Mapping | None = None, **deal_fields
) -> DealRegistration:
    """Register an accepted lead as a deal through ``deal_register`` (conflict
    check and routing apply), keeping its campaign. ``deal_fields`` override
    what the lead says; ``extras`` are the values of the fields other apps add
    to the form (``deals.registration``, e.g. the MDF activity), recorded as on
    a registration. Converting twice returns the same registration."""
    lead = _locked(lead)
    if lead.status == LeadStatus.CONVERTED:
        existing = DealRegistration.objects.filter(source_lead=lead).first()
        if existing is not None:
            return existing
    _require_status(lead, (LeadStatus.ACCEPTED,), _("Accept the lead before registering it as a deal."))
    # What neither the lead nor the caller gives is left for deal_register to refuse, field by field.
    fields = {
        "contact_name": "",
        "estimated_value": None,
        "currency": "",
        "product_lines": [],
        **lead_deal_initial(lead),
        **{k: v for k, v in deal_fields.items() if v not in (None, "", [])},
    }
    fields.pop("idempotency_key", None)
    deal = deal_register(
        organization=lead.organization,
        submitted_by=actor,
        idempotency_key=f"lead-{lead.pk}",
        expected_close_date=expected_close_date,
        lead=lead,
        extras=extras,
        **fields,
    )
    _set_status(lead, LeadStatus.CONVERTED, LeadEventKind.CONVERTED, actor=actor, note=f"Deal #{deal.pk}")
    return deal


def lead_notify_offer(*, lead: Lead, organization: PartnerOrganization) -> None:
    """Tell the organization's sales people and owners about a new lead, each
    in their own language and time zone, through the notification centre
    (the organization's contact address when nobody holds those roles)."""
    if lead.organization_id != organization.pk or lead.status != LeadStatus.OFFERED:
        return
    notifications.notify_organization(
        organization=organization,
        roles=LEAD_ROLES,
        category=notifications.LEAD_OFFER,
        title=gettext_lazy("New lead: %(company)s"),
        body=gettext_lazy(
            "A lead has been offered to your organization. Accept or decline it by %(date)s in the partner portal."
        ),
        params={
            "company": lead.company_name,
            "date": lambda: date_format(timezone.localtime(lead.respond_by), "DATETIME_FORMAT"),
        },
        url=reverse("deals:lead_detail", args=[lead.pk]),
    )
