"""Tier rules, evaluation and tier changes.

Rules are read from ``TierRuleVersion`` snapshots, never from the editable
``Tier`` row, so any past evaluation can be recomputed with the rules that
were in force on its date. Retiring a tier is recorded the same way (a
version with ``retired`` true), so the ladder of any past date is known too.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from wagtail.models import Locale

from .. import notifications
from ..formats import amount_text, money
from ..metrics import OrganizationMetrics, organization_metrics
from ..models import (
    Certification,
    PartnerOrganization,
    PartnerRole,
    ProgramSettings,
    Tier,
    TierChange,
    TierChangeMode,
    TierChangeStatus,
    TierRuleVersion,
)
from ..request_memo import remembered_until_changed


@dataclass(frozen=True)
class TierRules:
    """One tier's requirements and benefits as they stood at some date."""

    tier_id: int
    version_id: int
    name: str
    rank: int
    currency: str
    min_won_revenue: Decimal
    min_won_deals: int
    min_certified_people: int
    counted_certifications: frozenset[str]
    required_certifications: frozenset[str]
    requires_signed_agreement: bool
    commission_rate: Decimal
    deal_protection_days: int
    mdf_allocation_percent: Decimal
    discount_percent: Decimal

    @classmethod
    def from_version(cls, version: TierRuleVersion) -> "TierRules":
        rules = version.rules
        return cls(
            tier_id=version.tier_id,
            version_id=version.pk,
            name=rules["name"],
            rank=rules["rank"],
            currency=rules["currency"],
            min_won_revenue=Decimal(rules["min_won_revenue"]),
            min_won_deals=rules["min_won_deals"],
            min_certified_people=rules["min_certified_people"],
            counted_certifications=frozenset(rules["counted_certifications"]),
            required_certifications=frozenset(rules["required_certifications"]),
            requires_signed_agreement=rules["requires_signed_agreement"],
            commission_rate=Decimal(rules["commission_rate"]),
            deal_protection_days=rules["deal_protection_days"],
            mdf_allocation_percent=Decimal(rules["mdf_allocation_percent"]),
            discount_percent=Decimal(rules["discount_percent"]),
        )

    def is_met_by(self, metrics: OrganizationMetrics) -> bool:
        return (
            metrics.won_revenue >= self.min_won_revenue
            and metrics.won_deals >= self.min_won_deals
            and metrics.people_holding(self.counted_certifications) >= self.min_certified_people
            and self.required_certifications <= metrics.certification_codes
            and (metrics.agreement_signed or not self.requires_signed_agreement)
        )

    def missing(
        self, metrics: OrganizationMetrics, *, certification_names: Mapping[str, str] | None = None
    ) -> list[str]:
        """What ``metrics`` lack to meet these requirements, as sentences a
        partner understands (in the active language); empty when the tier is
        reached. Required certifications are named by ``certification_names``
        (code -> name), else by code."""
        certification_names = certification_names or {}
        gaps = []
        revenue_gap = self.min_won_revenue - metrics.won_revenue
        if revenue_gap > 0:
            gaps.append(_("%(amount)s more won revenue") % {"amount": money(revenue_gap, self.currency)})
        deals_gap = self.min_won_deals - metrics.won_deals
        if deals_gap > 0:
            deals_text = ngettext("%(count)d more won deal", "%(count)d more won deals", deals_gap)
            gaps.append(deals_text % {"count": deals_gap})
        people_gap = self.min_certified_people - metrics.people_holding(self.counted_certifications)
        if people_gap > 0:
            gaps.append(
                ngettext("%(count)d more certified person", "%(count)d more certified people", people_gap)
                % {"count": people_gap}
            )
        for code in sorted(self.required_certifications - metrics.certification_codes):
            gaps.append(_("Certification: %(certification)s") % {"certification": certification_names.get(code, code)})
        if self.requires_signed_agreement and not metrics.agreement_signed:
            gaps.append(_("Sign the partner agreement"))
        return gaps


def _percent(value) -> str:
    """Two decimals whatever the form gave (``18`` and ``18.00`` alike)."""
    return f"{Decimal(value):.2f}"


#: the snapshot's amounts and rates, compared as numbers: a version recorded
#: as "750000.00" yen and today's "750000" are the same rule
NUMERIC_RULES = ("min_won_revenue", "commission_rate", "mdf_allocation_percent", "discount_percent")


def _comparable(rules: dict) -> dict:
    return {"retired": False, **rules, **{key: Decimal(rules[key]) for key in NUMERIC_RULES if key in rules}}


def _snapshot(tier: Tier, currency: str) -> dict:
    return {
        "name": tier.name,
        "rank": tier.rank,
        "currency": currency,
        "min_won_revenue": amount_text(tier.min_won_revenue, currency),
        "min_won_deals": tier.min_won_deals,
        "min_certified_people": tier.min_certified_people,
        "counted_certifications": sorted(tier.counted_certifications.values_list("code", flat=True)),
        "required_certifications": sorted(tier.required_certifications.values_list("code", flat=True)),
        "requires_signed_agreement": tier.requires_signed_agreement,
        "commission_rate": _percent(tier.commission_rate),
        "deal_protection_days": tier.deal_protection_days,
        "mdf_allocation_percent": _percent(tier.mdf_allocation_percent),
        "discount_percent": _percent(tier.discount_percent),
        "retired": tier.retired,
    }


def _is_retired(rules: dict) -> bool:
    # Versions recorded before tiers could be retired have no "retired" key.
    return rules.get("retired", False)


@transaction.atomic
def tier_rules_record(*, tier: Tier, actor=None, effective_from: datetime | None = None) -> TierRuleVersion | None:
    """Snapshot ``tier``'s rules as a new version (unless they are unchanged).

    Translations of a tier share its rules: only the default locale's tier
    is a rung of the ladder. When the new version retires the tier, the
    partners in it are re-evaluated onto the remaining ladder once the caller's
    transaction commits."""
    if tier.locale_id != Locale.get_default().pk:
        return None
    rules = _snapshot(tier, ProgramSettings.load().program_currency)
    latest = tier.rule_versions.order_by("-effective_from").first()
    if latest is not None and _comparable(latest.rules) == _comparable(rules):
        return None
    version = TierRuleVersion.objects.create(
        tier=tier, rules=rules, created_by=actor, effective_from=effective_from or timezone.now()
    )
    if _is_retired(rules) and (latest is None or not _is_retired(latest.rules)):
        for organization in PartnerOrganization.objects.filter(tier=tier):
            tier_evaluation_request(organization=organization, reason=_("Tier %(tier)s retired") % {"tier": tier.name})
    return version


def tier_deletion_blockers(*, tier: Tier) -> list[str]:
    """The history that keeps ``tier`` from being deleted (empty when it can
    be): its rule versions, the tier changes naming it, the partners in it.
    Such a tier is retired instead."""
    blockers = []
    if tier.rule_versions.exists():
        blockers.append(_("rule versions"))
    if TierChange.objects.filter(Q(from_tier=tier) | Q(to_tier=tier)).exists():
        blockers.append(_("tier changes"))
    if tier.organizations.exists():
        blockers.append(_("partners in it"))
    return blockers


def tier_rules_at(*, at: datetime) -> list[TierRules]:
    """The ladder in force at ``at``, lowest rank first: tiers retired by
    then are not on it."""
    return sorted(
        (
            TierRules.from_version(version)
            for version in _latest_versions(at).values()
            if not _is_retired(version.rules)
        ),
        key=lambda rules: rules.rank,
    )


def _latest_versions(at: datetime, *, tier_ids=None) -> dict[int, TierRuleVersion]:
    """Each tier's version in force at ``at`` (retired ones included), by tier id."""
    latest: dict[int, TierRuleVersion] = {}
    for version in _versions():
        if version.effective_from <= at and (tier_ids is None or version.tier_id in tier_ids):
            latest.setdefault(version.tier_id, version)
    return latest


def _versions() -> list[TierRuleVersion]:
    """Every version of the ladder, each tier's newest first: a few rows a
    tier, kept by the process until one is recorded (reading requests only;
    shared, so read only)."""
    return remembered_until_changed(
        "tier rule versions",
        lambda: list(
            TierRuleVersion.objects.filter(tier__locale=Locale.get_default()).order_by(
                "tier_id", "-effective_from", "-pk"
            )
        ),
    )


def _metrics(organization: PartnerOrganization, at: datetime, settings: ProgramSettings) -> OrganizationMetrics:
    return organization_metrics(
        organization=organization,
        as_of=at,
        window_months=settings.evaluation_window_months,
        currency=settings.program_currency,
    )


def _qualified(ladder: list[TierRules], metrics: OrganizationMetrics) -> TierRules | None:
    """The highest rung whose requirements are all met."""
    reached = [rules for rules in ladder if rules.is_met_by(metrics)]
    return reached[-1] if reached else None


def _supersede(pending, *, keep_pk: int | None = None) -> None:
    """Close proposals a later evaluation made obsolete, so a CAM never
    approves a change the figures no longer support."""
    pending.exclude(pk=keep_pk).update(status=TierChangeStatus.SUPERSEDED, decided_at=timezone.now())


@transaction.atomic
def tier_evaluate(
    *, organization: PartnerOrganization, at: datetime | None = None, actor=None, reason: str = ""
) -> TierChange | None:
    """Compare the organization's figures with the ladder in force at ``at``
    and apply the tier they reach, or propose it to the CAM (program setting).

    Returns the recorded change (in approval mode, the pending proposal for
    the same move if there already is one), or None when the tier stays.
    ``actor`` None means the system made the change. Idempotent.

    In approval mode a move the CAM rejected is not proposed again while
    nothing has changed since the rejection (see :func:`_rejection_stands`):
    the nightly evaluation does not ask the same question every night."""
    at = at or timezone.now()
    settings = ProgramSettings.load()
    organization = PartnerOrganization.objects.select_for_update().get(pk=organization.pk)
    metrics = _metrics(organization, at, settings)
    target = _qualified(tier_rules_at(at=at), metrics)
    target_id = target.tier_id if target else None
    pending = TierChange.objects.filter(organization=organization, status=TierChangeStatus.PROPOSED)
    if target_id == organization.tier_id:
        _supersede(pending)
        return None
    change_fields = {
        "organization": organization,
        "from_tier_id": organization.tier_id,
        "to_tier_id": target_id,
        "metrics": metrics.as_json(),
        "reason": reason or _("Tier evaluation"),
        "actor": actor,
    }
    if settings.tier_change_mode == TierChangeMode.APPROVAL:
        same = pending.filter(from_tier_id=organization.tier_id, to_tier_id=target_id).order_by("created_at").first()
        _supersede(pending, keep_pk=same.pk if same else None)
        if same is None and _rejection_stands(organization, target_id, metrics):
            return None
        return same or TierChange.objects.create(status=TierChangeStatus.PROPOSED, **change_fields)
    _supersede(pending)
    _apply(organization, target_id, at)
    return TierChange.objects.create(status=TierChangeStatus.APPLIED, **change_fields)


def _figures(snapshot: dict) -> dict:
    """A metrics snapshot without its date, money compared as numbers ("150000" equals "150000.00")."""
    figures = {name: value for name, value in snapshot.items() if name != "as_of"}
    figures["won_revenue"] = Decimal(figures.get("won_revenue", "0"))
    return figures


def _rejection_stands(organization: PartnerOrganization, target_id: int | None, metrics: OrganizationMetrics) -> bool:
    """Whether the CAM's latest rejection of this very move (same from and to
    tier) still answers it, because nothing changed since the rejection:

    * the organization's metrics snapshot equals the one the CAM rejected
      (won revenue and deals, certifications, agreement; the date aside),
    * the organization has stayed in its tier since,
    * and no tier rule version was recorded since.

    Any of these changing lets the next evaluation propose the move again;
    there is no time limit."""
    rejected = (
        TierChange.objects.filter(
            organization=organization,
            status=TierChangeStatus.REJECTED,
            from_tier_id=organization.tier_id,
            to_tier_id=target_id,
        )
        .order_by("-decided_at", "-pk")
        .first()
    )
    if rejected is None or rejected.decided_at is None:
        return False
    if organization.tier_since is not None and organization.tier_since > rejected.decided_at:
        return False
    if TierRuleVersion.objects.filter(created_at__gt=rejected.decided_at).exists():
        return False
    return _figures(rejected.metrics) == _figures(metrics.as_json())


def _apply(organization: PartnerOrganization, tier_id: int | None, at: datetime) -> None:
    organization.tier_id = tier_id
    organization.tier_since = at
    organization.save(update_fields=["tier", "tier_since"])
    _notify_owners(organization, tier_id)


def _notify_owners(organization: PartnerOrganization, tier_id: int | None) -> None:
    """Tell the organization's owners (else its contact address) their new
    tier, named in each recipient's language, with a link to the tier page."""

    def tier_name() -> str:
        return Tier.objects.get(pk=tier_id).localized.name

    message = {
        "category": notifications.TIER_CHANGE,
        "url": reverse("programs:tier_progress"),
    }
    if tier_id is None:
        message |= {
            "title": gettext_lazy("Your organization no longer has a partner tier"),
            "body": gettext_lazy("See what the first tier takes on your tier page."),
        }
    else:
        message |= {
            "title": gettext_lazy("Your partner tier is now %(tier)s"),
            "body": gettext_lazy("See your benefits and what the next tier takes on your tier page."),
            "params": {"tier": tier_name},
        }
    notifications.notify_organization(organization=organization, roles=(PartnerRole.OWNER,), **message)


@transaction.atomic
def tier_change_approve(*, change: TierChange, actor) -> TierChange:
    """The CAM accepts a proposed change: the organization moves now."""
    change = TierChange.objects.select_for_update().get(pk=change.pk)
    if change.status != TierChangeStatus.PROPOSED:
        raise ValueError(_("Only a proposed tier change can be approved."))
    organization = PartnerOrganization.objects.select_for_update().get(pk=change.organization_id)
    if organization.tier_id != change.from_tier_id:
        raise ValueError(_("The organization's tier has changed since this proposal; it can no longer be approved."))
    now = timezone.now()
    _apply(organization, change.to_tier_id, now)
    change.status, change.decided_by, change.decided_at = TierChangeStatus.APPLIED, actor, now
    change.save(update_fields=["status", "decided_by", "decided_at"])
    return change


@transaction.atomic
def tier_change_reject(*, change: TierChange, actor, reason: str) -> TierChange:
    """The CAM refuses a proposed change (with a reason); the tier stays."""
    if not reason.strip():
        raise ValueError(_("Give a reason for rejecting the tier change."))
    change = TierChange.objects.select_for_update().get(pk=change.pk)
    if change.status != TierChangeStatus.PROPOSED:
        raise ValueError(_("Only a proposed tier change can be rejected."))
    change.status, change.decided_by, change.decided_at = TierChangeStatus.REJECTED, actor, timezone.now()
    change.reason = f"{change.reason}\n{_('Rejected')}: {reason.strip()}"
    change.save(update_fields=["status", "decided_by", "decided_at", "reason"])
    return change


@dataclass(frozen=True)
class TierProgress:
    """Where a partner stands: rules of its current and next tier, the tier
    rows to show (name in the active language, colour, badge), what is missing."""

    current: TierRules | None
    next: TierRules | None
    missing: list[str]
    metrics: OrganizationMetrics
    current_tier: Tier | None = None
    next_tier: Tier | None = None


def tier_progress(*, organization: PartnerOrganization, at: datetime | None = None) -> TierProgress:
    """Where the partner stands and exactly what the next tier still needs."""
    at = at or timezone.now()
    ladder = tier_rules_at(at=at)
    metrics = _metrics(organization, at, ProgramSettings.load())
    current = next((rules for rules in ladder if rules.tier_id == organization.tier_id), None)
    if current is None and organization.tier_id:
        # A retired tier: its benefits hold until the partner is re-evaluated.
        retired = _latest_versions(at, tier_ids=[organization.tier_id]).get(organization.tier_id)
        current = TierRules.from_version(retired) if retired else None
    higher = [rules for rules in ladder if current is None or rules.rank > current.rank]
    upcoming = higher[0] if higher else None
    missing = []
    if upcoming is not None:
        names = dict(
            Certification.objects.filter(code__in=upcoming.required_certifications).values_list("code", "name")
        )
        missing = upcoming.missing(metrics, certification_names=names)
    tiers = Tier.objects.select_related("badge").in_bulk([rules.tier_id for rules in (current, upcoming) if rules])
    return TierProgress(
        current=current,
        next=upcoming,
        missing=missing,
        metrics=metrics,
        current_tier=tiers[current.tier_id].localized if current else None,
        next_tier=tiers[upcoming.tier_id].localized if upcoming else None,
    )


def tier_evaluation_request(*, organization: PartnerOrganization, reason: str) -> None:
    """Re-evaluate the tier in the background once the caller's transaction commits
    (after a deal is won or a certification earned or expired)."""
    from ..tasks import evaluate_organization_tier

    evaluate_organization_tier.delay_on_commit(organization.pk, reason)
