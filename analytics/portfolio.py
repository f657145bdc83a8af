"""The CAM portfolio: the staff member's partners (every partner for channel
ops, filterable) ranked by the attention they need today.

Each alert is one grouped query over the portfolio, thresholds and weights
come from Settings → Partner portfolio settings, and each alert links to the
admin page where the CAM acts on it. A partner's score is the sum of the
weights of the alerts it raises; ties go by name.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, DecimalField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from deals.models import DealRegistration, DealStatus
from mdf.models import FundRequest, RequestStatus
from programs.metrics import months_before
from programs.models import OrganizationStatus, PartnerOrganization, PersonCertification, ProgramSettings
from programs.tenancy import scoped, sees_every_partner

from .models import ActivityDay, PortfolioSettings

WAITING_STATUSES = (DealStatus.SUBMITTED, DealStatus.UNDER_REVIEW)
#: organizations a CAM manages day to day
MANAGED_STATUSES = (OrganizationStatus.ONBOARDING, OrganizationStatus.ACTIVE)
#: filters channel ops may apply (URL parameter -> organization lookup)
FILTERS = {"cam": "channel_account_manager", "tier": "tier", "region": "region", "type": "partner_type"}


@dataclass(frozen=True)
class Alert:
    kind: str
    text: str
    url: str
    weight: int


@dataclass
class PartnerAttention:
    organization: PartnerOrganization
    alerts: list[Alert] = field(default_factory=list)

    @property
    def score(self) -> int:
        return sum(alert.weight for alert in self.alerts)


def may_see_portfolio(user) -> bool:
    """CAMs with partners, and staff who see every partner."""
    if not user.is_authenticated:
        return False
    return sees_every_partner(user) or user.managed_organizations.exists()


def portfolio_organizations(*, user, filters: dict | None = None):
    """The managed organizations ``user`` may see, narrowed by ``filters``
    (URL parameters of ``FILTERS``; ignored values that are not ids)."""
    organizations = scoped(PartnerOrganization.objects.filter(status__in=MANAGED_STATUSES), user, organization_field="")
    for parameter, lookup in FILTERS.items():
        value = (filters or {}).get(parameter, "")
        if str(value).isdigit():
            organizations = organizations.filter(**{f"{lookup}_id": int(value)})
    return organizations


def _counts(queryset, organizations) -> dict[int, int]:
    rows = queryset.filter(organization__in=organizations).values("organization").annotate(count=Count("pk"))
    return {row["organization"]: row["count"] for row in rows}


def _admin_link(url_name: str, **parameters):
    """The admin listing ``url_name`` filtered to an organization (given its pk) and ``parameters``."""

    def link(pk: int) -> str:
        query = "&".join(f"{key}={value}" for key, value in {"organization": pk, **parameters}.items())
        return f"{reverse(url_name)}?{query}"

    return link


def _tier_at_risk(organizations, *, now, config: PortfolioSettings) -> set[int]:
    """Organizations whose won revenue over the evaluation window is below
    ``tier_risk_percent`` of their tier's requirement (program currency)."""
    program = ProgramSettings.load()
    start = months_before(now, program.evaluation_window_months).date()
    won = (
        DealRegistration.objects.filter(
            organization=OuterRef("pk"), status=DealStatus.WON, currency=program.program_currency, closed_on__gte=start
        )
        .values("organization")
        .annotate(total=Sum("final_amount"))
        .values("total")
    )
    money = DecimalField(max_digits=14, decimal_places=2)
    rows = (
        organizations.filter(tier__min_won_revenue__gt=0)
        .annotate(won=Coalesce(Subquery(won, output_field=money), Value(Decimal("0"), output_field=money)))
        .values_list("pk", "won", "tier__min_won_revenue")
    )
    share = Decimal(config.tier_risk_percent) / 100
    return {pk for pk, total, required in rows if total < required * share}


def portfolio_attention(
    *, user, filters: dict | None = None, now: datetime.datetime | None = None, only_alerts: bool = False
) -> list[PartnerAttention]:
    """Every organization of the portfolio with its alerts, most attention
    first (with ``only_alerts``, those raising at least one)."""
    now = now or timezone.now()
    today = now.date()
    config = PortfolioSettings.load()
    organizations = portfolio_organizations(user=user, filters=filters)
    ids = organizations.values("pk")

    waiting = _counts(DealRegistration.objects.filter(status__in=WAITING_STATUSES), ids)
    protections = _counts(
        DealRegistration.objects.filter(
            status=DealStatus.APPROVED,
            protected_until__gte=now,
            protected_until__lte=now + datetime.timedelta(days=config.protection_expiry_days),
        ),
        ids,
    )
    certifications = _counts(
        PersonCertification.objects.filter(
            expires_at__gte=now, expires_at__lte=now + datetime.timedelta(days=config.certification_expiry_days)
        ),
        ids,
    )
    unclaimed = _counts(
        FundRequest.objects.filter(
            status=RequestStatus.APPROVED,
            claim_deadline__gte=today,
            claim_deadline__lte=today + datetime.timedelta(days=config.mdf_claim_days),
        ),
        ids,
    )
    inactive_since = now - datetime.timedelta(days=config.inactive_days)
    recently_active = ActivityDay.objects.filter(
        day__gte=inactive_since.date(), user__isnull=False, organization__in=ids
    ).values("organization")
    inactive = set(
        organizations.filter(status=OrganizationStatus.ACTIVE, created_at__lte=inactive_since)
        .exclude(pk__in=recently_active)
        .values_list("pk", flat=True)
    )
    stuck = set(
        organizations.filter(
            status=OrganizationStatus.ONBOARDING,
            created_at__lte=now - datetime.timedelta(days=config.onboarding_stuck_days),
        ).values_list("pk", flat=True)
    )
    at_risk = _tier_at_risk(organizations, now=now, config=config)

    def edit(pk: int) -> str:
        return reverse("wagtailsnippets_programs_partnerorganization:edit", args=[pk])

    # kind, {organization: count (None: the alert has no count)}, text, where the CAM acts, weight
    rules = [
        (
            "registrations",
            waiting,
            ngettext_lazy("%(count)s registration waiting", "%(count)s registrations waiting", "count"),
            _admin_link("dealregistration:index", status=DealStatus.SUBMITTED),
            config.weight_registrations,
        ),
        (
            "protections",
            protections,
            ngettext_lazy("%(count)s deal protection expiring", "%(count)s deal protections expiring", "count"),
            _admin_link("dealregistration:index", status=DealStatus.APPROVED),
            config.weight_protections,
        ),
        (
            "certifications",
            certifications,
            ngettext_lazy("%(count)s certification expiring", "%(count)s certifications expiring", "count"),
            _admin_link("wagtailsnippets_programs_personcertification:list"),
            config.weight_certifications,
        ),
        (
            "mdf",
            unclaimed,
            ngettext_lazy("%(count)s MDF activity to claim soon", "%(count)s MDF activities to claim soon", "count"),
            _admin_link("wagtailsnippets_mdf_fundrequest:list", status=RequestStatus.APPROVED),
            config.weight_mdf,
        ),
        (
            "inactive",
            dict.fromkeys(inactive),
            _("No portal activity for %(days)s days") % {"days": config.inactive_days},
            edit,
            config.weight_inactive,
        ),
        (
            "onboarding",
            dict.fromkeys(stuck),
            _("Onboarding for more than %(days)s days") % {"days": config.onboarding_stuck_days},
            edit,
            config.weight_onboarding,
        ),
        (
            "tier",
            dict.fromkeys(at_risk),
            _("Tier at risk: won revenue below requirement"),
            lambda pk: reverse("analytics_admin_scorecard", args=[pk]),
            config.weight_tier,
        ),
    ]
    rows = organizations.select_related("tier", "channel_account_manager")
    if only_alerts:
        rows = rows.filter(pk__in={pk for _kind, counts, *_rest in rules for pk in counts})
    ranked = []
    for organization in rows:
        pk = organization.pk
        alerts = [
            Alert(kind, str(text if counts[pk] is None else text % {"count": counts[pk]}), link(pk), weight)
            for kind, counts, text, link, weight in rules
            if pk in counts
        ]
        ranked.append(PartnerAttention(organization=organization, alerts=alerts))
    ranked.sort(key=lambda row: (-row.score, row.organization.name, row.organization.pk))
    return ranked
