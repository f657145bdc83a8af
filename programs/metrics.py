"""The figures a tier's requirements are measured against.

Deal figures come from the deals app, which depends on programs; so programs
asks whoever registered a deal metrics source (deals registers one in its
AppConfig.ready) rather than importing deals. The onboarding checklist's
"first deal registered" and "first course started"
steps ask registered activity sources the same way.
"""

import calendar
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db.models import Exists, OuterRef

from .models import AgreementAcceptance, PartnerAgreement, PartnerOrganization, PersonCertification


@dataclass(frozen=True)
class DealFigures:
    won_revenue: Decimal
    won_deals: int


@dataclass(frozen=True)
class OrganizationMetrics:
    as_of: datetime
    currency: str
    won_revenue: Decimal = Decimal("0")
    won_deals: int = 0
    #: certification code -> ids of the people holding it on ``as_of``
    holders: dict[str, frozenset[int]] = field(default_factory=dict)
    agreement_signed: bool = False

    @property
    def certified_people(self) -> int:
        """People holding at least one valid certification."""
        return self.people_holding()

    @property
    def certification_codes(self) -> frozenset[str]:
        """Certifications held by at least one person."""
        return frozenset(code for code, people in self.holders.items() if people)

    def people_holding(self, codes: frozenset[str] = frozenset()) -> int:
        """People holding any of ``codes`` (any certification when empty): a
        tier's ``counted_certifications`` decide which ones count."""
        groups = [people for code, people in self.holders.items() if not codes or code in codes]
        return len(frozenset().union(*groups))

    def as_json(self) -> dict:
        """JSON-safe snapshot for the audit trail (money as a string)."""
        return {
            "as_of": self.as_of.isoformat(),
            "currency": self.currency,
            "won_revenue": str(self.won_revenue),
            "won_deals": self.won_deals,
            "certified_people": self.certified_people,
            "certifications": {code: len(people) for code, people in sorted(self.holders.items())},
            "agreement_signed": self.agreement_signed,
        }


DealMetricsSource = Callable[[PartnerOrganization, datetime, datetime, str], DealFigures]
_deal_sources: list[DealMetricsSource] = []


def register_deal_metrics_source(source: DealMetricsSource) -> None:
    """``source(organization, start, end, currency)`` returns won deal figures."""
    if source not in _deal_sources:
        _deal_sources.append(source)


#: onboarding activities other apps report on (programs imports neither)
DEAL_REGISTERED = "deal_registered"
COURSE_STARTED = "course_started"
ActivitySource = Callable[[PartnerOrganization], bool]
_activity_sources: dict[str, list[ActivitySource]] = {}


def register_activity_source(activity: str, source: ActivitySource) -> None:
    """``source(organization)`` tells whether the organization did ``activity``
    (deals reports DEAL_REGISTERED, content COURSE_STARTED)."""
    sources = _activity_sources.setdefault(activity, [])
    if source not in sources:
        sources.append(source)


def organization_has_activity(organization: PartnerOrganization, activity: str) -> bool:
    return any(source(organization) for source in _activity_sources.get(activity, []))


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time ``months`` calendar months earlier (the month's
    last day when it is shorter: 31 May minus 3 months is 28/29 February)."""
    year, month_index = divmod(moment.year * 12 + moment.month - 1 - months, 12)
    day = min(moment.day, calendar.monthrange(year, month_index + 1)[1])
    return moment.replace(year=year, month=month_index + 1, day=day)


def current_agreement(at: datetime) -> PartnerAgreement | None:
    """The agreement version in force at ``at``."""
    return PartnerAgreement.objects.filter(effective_from__lte=at).order_by("-effective_from").first()


def organization_metrics(
    *, organization: PartnerOrganization, as_of: datetime, window_months: int, currency: str
) -> OrganizationMetrics:
    """The organization's figures on ``as_of``: won deals over the trailing
    ``window_months`` calendar months, certifications valid on that day, and
    whether the agreement then in force was accepted."""
    start = months_before(as_of, window_months)
    won_revenue, won_deals = Decimal("0"), 0
    for source in _deal_sources:
        figures = source(organization, start, as_of, currency)
        won_revenue += figures.won_revenue
        won_deals += figures.won_deals
    valid = PersonCertification.objects.filter(organization=organization).valid_at(as_of)
    holders: dict[str, set[int]] = {}
    for code, user_id in valid.values_list("certification__code", "user_id"):
        holders.setdefault(code, set()).add(user_id)
    # The agreement in force and whether it was accepted, in one query.
    accepted = AgreementAcceptance.objects.filter(
        organization=organization, agreement=OuterRef("pk"), accepted_at__lte=as_of
    )
    agreement = (
        PartnerAgreement.objects.filter(effective_from__lte=as_of)
        .annotate(accepted=Exists(accepted))
        .order_by("-effective_from")
        .first()
    )
    signed = bool(agreement and agreement.accepted)
    return OrganizationMetrics(
        as_of=as_of,
        currency=currency,
        won_revenue=won_revenue,
        won_deals=won_deals,
        holders={code: frozenset(people) for code, people in holders.items()},
        agreement_signed=signed,
    )
