"""A partner organization's scorecard: its figures for each of the last four
calendar quarters (the current one so far included), against its tier's targets.

Definitions (every figure is aggregated in the database, a few queries for
all four quarters):

* **Registrations**: deal registrations submitted in the quarter.
* **Pipeline**: estimated value of the quarter's registrations that were not
  rejected, in the program currency (other currencies are not converted and
  do not count, as in tier evaluation).
* **Won revenue**: final amount of deals won with a close date in the quarter
  (program currency).
* **Win rate**: deals won out of deals won or lost with a close date in the quarter.
* **Certified people**: people holding a valid certification at the quarter's
  end (today for the current quarter); **expiring**: those certifications
  that expire within ``EXPIRY_HORIZON_DAYS`` after that day.
* **MDF utilization**: funds committed to approved activities (net of
  releases) out of funds allocated, for the MDF periods starting in the quarter.
* **MDF ROI**: won revenue attributed to those periods' activities per unit
  of MDF paid (``mdf.roi``).
* **Active people**: accounts active in the quarter (``analytics.activity``).
"""

import datetime
from collections.abc import Collection
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce, TruncQuarter
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from deals.models import DealRegistration, DealStatus
from mdf.models import FundRequest, LedgerEntry, LedgerKind
from mdf.roi import roi_rows
from programs.models import PartnerOrganization, PersonCertification, ProgramSettings
from programs.request_memo import remembered_instance

from .activity import active_days
from .formats import format_figure
from .models import ScorecardTarget

ZERO = Decimal("0")
HUNDRED = Decimal("100")
QUARTERS = 4
EXPIRY_HORIZON_DAYS = 90


@dataclass(frozen=True)
class Quarter:
    year: int
    number: int

    @property
    def start(self) -> datetime.date:
        return datetime.date(self.year, 3 * self.number - 2, 1)

    @property
    def end(self) -> datetime.date:
        """The quarter's last day."""
        following = Quarter(self.year + self.number // 4, self.number % 4 + 1)
        return following.start - datetime.timedelta(days=1)

    @property
    def label(self) -> str:
        return str(_("Q%(number)s %(year)s") % {"number": self.number, "year": self.year})

    def previous(self) -> "Quarter":
        return Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)

    @classmethod
    def containing(cls, day: datetime.date) -> "Quarter":
        return cls(day.year, (day.month - 1) // 3 + 1)


def last_quarters(today: datetime.date, count: int = QUARTERS) -> list[Quarter]:
    """The ``count`` quarters up to the one containing ``today``, oldest first."""
    quarters = [Quarter.containing(today)]
    while len(quarters) < count:
        quarters.insert(0, quarters[0].previous())
    return quarters


@dataclass
class Metric:
    key: str
    label: str
    #: "money", "count", "percent" or "ratio"
    unit: str
    #: one value per quarter, oldest first (None: nothing to measure)
    values: list
    target: Decimal | int | None = None
    #: where the records behind the figure are (for the reader)
    url: str = ""

    @property
    def current(self):
        return self.values[-1]

    @property
    def previous(self):
        return self.values[-2] if len(self.values) > 1 else None

    @property
    def trend(self) -> str:
        """ "up", "down" or "flat" from the previous quarter to this one."""
        if self.current is None or self.previous is None or self.current == self.previous:
            return "flat"
        return "up" if self.current > self.previous else "down"

    @property
    def meets_target(self) -> bool | None:
        if self.target is None or self.current is None:
            return None
        return self.current >= self.target

    def hint(self, currency: str) -> str:
        """The trend from last quarter and the target, in words."""
        previous = format_figure(self.previous, unit=self.unit, currency=currency)
        if self.trend == "up":
            text = _("Up from %(previous)s last quarter.") % {"previous": previous}
        elif self.trend == "down":
            text = _("Down from %(previous)s last quarter.") % {"previous": previous}
        else:
            text = _("Same as last quarter.")
        if self.target is None:
            return str(text)
        target = format_figure(self.target, unit=self.unit, currency=currency)
        if self.meets_target:
            return f"{text} " + _("Target %(target)s: met.") % {"target": target}
        return f"{text} " + _("Target %(target)s: not met yet.") % {"target": target}


@dataclass
class Scorecard:
    organization: PartnerOrganization
    currency: str
    quarters: list[Quarter]
    metrics: list[Metric] = field(default_factory=list)
    certifications_expiring: int = 0
    as_of: datetime.datetime | None = None

    def metric(self, key: str) -> Metric:
        return next(metric for metric in self.metrics if metric.key == key)

    @property
    def tiles(self) -> list[dict]:
        """The current quarter's figures as stat tiles (value, hint, link)."""
        return [
            {
                "label": metric.label,
                "value": format_figure(metric.current, unit=metric.unit, currency=self.currency),
                "hint": metric.hint(self.currency),
                "url": metric.url,
            }
            for metric in self.metrics
        ]


def _percent(part, whole) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * HUNDRED / Decimal(whole)).quantize(Decimal("0.1"))


def _deal_figures(organization, quarters, currency) -> dict[str, list]:
    """Two grouped reads, by quarter of submission and by quarter of closing:
    the same figures as one read with five filtered aggregates a quarter, at a
    fraction of the ORM's work to build (the card and the page ask on every view)."""
    deals = DealRegistration.objects.filter(organization=organization)
    first, last = quarters[0].start, quarters[-1].end
    in_currency = Q(currency=currency)
    submitted = (
        deals.filter(submitted_at__date__gte=first, submitted_at__date__lte=last)
        .annotate(quarter=TruncQuarter("submitted_at"))
        .values("quarter")
        .annotate(
            registrations=Count("pk"),
            pipeline=Sum("estimated_value", filter=in_currency & ~Q(status=DealStatus.REJECTED)),
        )
        .order_by()
    )
    closed = (
        deals.filter(closed_on__gte=first, closed_on__lte=last, status__in=[DealStatus.WON, DealStatus.LOST])
        .annotate(quarter=TruncQuarter("closed_on"))
        .values("quarter")
        .annotate(
            won_revenue=Sum("final_amount", filter=in_currency & Q(status=DealStatus.WON)),
            won=Count("pk", filter=Q(status=DealStatus.WON)),
            lost=Count("pk", filter=Q(status=DealStatus.LOST)),
        )
        .order_by()
    )
    by_submission = {_quarter_start(row["quarter"]): row for row in submitted}
    by_closing = {_quarter_start(row["quarter"]): row for row in closed}
    figures = {key: [] for key in ("registrations", "pipeline", "won_revenue", "win_rate")}
    for quarter in quarters:
        registered = by_submission.get(quarter.start, {})
        ended = by_closing.get(quarter.start, {})
        figures["registrations"].append(registered.get("registrations", 0))
        figures["pipeline"].append(registered.get("pipeline") or ZERO)
        figures["won_revenue"].append(ended.get("won_revenue") or ZERO)
        won, lost = ended.get("won", 0), ended.get("lost", 0)
        figures["win_rate"].append(_percent(won, won + lost))
    return figures


def _quarter_start(value) -> datetime.date:
    """``TruncQuarter`` gives a date for a date field, an aware datetime in the
    current time zone for a datetime field: the quarter's first day either way."""
    return value.date() if isinstance(value, datetime.datetime) else value


def _certification_figures(organization, moments) -> tuple[list[int], list[int]]:
    aggregates = {}
    for index, moment in enumerate(moments):
        valid = Q(earned_at__lte=moment) & (Q(expires_at__isnull=True) | Q(expires_at__gt=moment))
        horizon = moment + datetime.timedelta(days=EXPIRY_HORIZON_DAYS)
        aggregates[f"held_{index}"] = Count("user", distinct=True, filter=valid)
        aggregates[f"expiring_{index}"] = Count("pk", filter=valid & Q(expires_at__lte=horizon))
    totals = PersonCertification.objects.filter(organization=organization).aggregate(**aggregates)
    held = [totals[f"held_{index}"] for index in range(len(moments))]
    expiring = [totals[f"expiring_{index}"] for index in range(len(moments))]
    return held, expiring


def _mdf_figures(organization, quarters, currency) -> tuple[list, list]:
    aggregates = {}
    for index, quarter in enumerate(quarters):
        period = Q(allocation__program__starts_on__gte=quarter.start, allocation__program__starts_on__lte=quarter.end)
        aggregates[f"allocated_{index}"] = Coalesce(
            Sum("amount", filter=period & Q(kind__in=[LedgerKind.ALLOCATED, LedgerKind.ADJUSTED])), ZERO
        )
        aggregates[f"committed_{index}"] = Coalesce(Sum("amount", filter=period & Q(kind=LedgerKind.COMMITTED)), ZERO)
        aggregates[f"released_{index}"] = Coalesce(Sum("amount", filter=period & Q(kind=LedgerKind.RELEASED)), ZERO)
    totals = LedgerEntry.objects.filter(organization=organization, currency=currency).aggregate(**aggregates)
    utilization = [
        _percent(totals[f"committed_{index}"] - totals[f"released_{index}"], totals[f"allocated_{index}"])
        for index in range(len(quarters))
    ]
    requests = FundRequest.objects.filter(
        organization=organization,
        currency=currency,
        allocation__program__starts_on__gte=quarters[0].start,
        allocation__program__starts_on__lte=quarters[-1].end,
    )
    starts = dict(requests.values_list("allocation__program_id", "allocation__program__starts_on").distinct())
    won, paid = [ZERO] * len(quarters), [ZERO] * len(quarters)
    for row in roi_rows(requests, dimension="program"):
        index = next(i for i, quarter in enumerate(quarters) if quarter.start <= starts[row.key] <= quarter.end)
        won[index] += row.won_revenue
        paid[index] += row.paid
    roi = [
        (won[index] / paid[index]).quantize(Decimal("0.01")) if paid[index] else None for index in range(len(quarters))
    ]
    return utilization, roi


def _activity_figures(organization, quarters) -> list[int]:
    aggregates = {
        f"active_{index}": Count("user", distinct=True, filter=Q(day__gte=quarter.start, day__lte=quarter.end))
        for index, quarter in enumerate(quarters)
    }
    totals = (
        active_days(start=quarters[0].start, end=quarters[-1].end)
        .filter(organization=organization)
        .aggregate(**aggregates)
    )
    return [totals[f"active_{index}"] for index in range(len(quarters))]


def tier_targets(organization) -> ScorecardTarget | None:
    if organization.tier_id is None:
        return None
    key = organization.tier.translation_key
    # The same for every partner of the tier: kept until a target changes.
    return remembered_instance(
        ("scorecard target", key), ScorecardTarget.objects.filter(tier__translation_key=key).first
    )


def organization_scorecard(
    *,
    organization: PartnerOrganization,
    now: datetime.datetime | None = None,
    links=None,
    only: Collection[str] | None = None,
    quarter_count: int = QUARTERS,
) -> Scorecard:
    """The organization's scorecard for the four quarters up to ``now``.

    ``links`` maps metric keys to the URL of the records behind them (the
    partner's pages or the admin's, depending on the reader). ``only`` keeps
    the metrics with those keys (in the card's order) and skips the queries of
    the others: the dashboard card shows four figures out of eight, and
    ``quarter_count`` 2 (this quarter against the last) halves their work."""
    now = now or timezone.now()
    today = now.astimezone(datetime.UTC).date()
    quarters = last_quarters(today, quarter_count)
    currency = ProgramSettings.load().program_currency
    target = tier_targets(organization)
    links = links or {}

    def wanted(*keys) -> bool:
        return only is None or any(key in only for key in keys)

    def metric(key, label, unit, values, target_field=None):
        return Metric(
            key=key,
            label=str(label),
            unit=unit,
            values=values,
            target=getattr(target, target_field or key) if target else None,
            url=links.get(key, ""),
        )

    card = Scorecard(organization=organization, currency=currency, quarters=quarters, as_of=now)
    if wanted("pipeline", "win_rate", "won_revenue", "registrations"):
        deals = _deal_figures(organization, quarters, currency)
        card.metrics += [
            metric("pipeline", _("Pipeline registered"), "money", deals["pipeline"]),
            metric("win_rate", _("Win rate"), "percent", deals["win_rate"]),
            metric("won_revenue", _("Won revenue"), "money", deals["won_revenue"]),
            metric("registrations", _("Registrations"), "count", deals["registrations"]),
        ]
    if wanted("certified_people"):
        moments = [
            datetime.datetime.combine(quarter.end + datetime.timedelta(days=1), datetime.time.min, tzinfo=datetime.UTC)
            for quarter in quarters[:-1]
        ] + [now]
        held, expiring = _certification_figures(organization, moments)
        card.metrics.append(metric("certified_people", _("Certified people"), "count", held))
        card.certifications_expiring = expiring[-1]
    if wanted("mdf_utilization", "mdf_roi"):
        utilization, roi = _mdf_figures(organization, quarters, currency)
        card.metrics += [
            metric("mdf_utilization", _("MDF utilization"), "percent", utilization),
            Metric(
                key="mdf_roi",
                label=str(_("MDF return (won revenue per unit paid)")),
                unit="ratio",
                values=roi,
                url=links.get("mdf_roi", ""),
            ),
        ]
    if wanted("active_users"):
        card.metrics.append(
            metric("active_users", _("Active people"), "count", _activity_figures(organization, quarters))
        )
    if only is not None:
        card.metrics = [metric for metric in card.metrics if metric.key in only]
    return card


def partner_links() -> dict[str, str]:
    """Where a partner finds the records behind each figure."""
    deals = reverse("deals:list")
    return {
        "pipeline": deals,
        "registrations": deals,
        "won_revenue": deals,
        "win_rate": deals,
        "certified_people": reverse("content:courses"),
        "mdf_utilization": reverse("mdf:home"),
        "mdf_roi": reverse("mdf:home"),
    }
