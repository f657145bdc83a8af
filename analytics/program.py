"""Program analytics for channel ops: portal health week by week and
pipeline and revenue by tier, over a date range and the partners a filter
selects (tier, region, partner type: parameters in the URL), or only those
a staff member may see (``ProgramFilters.seen_by``: the weekly digest of a CAM).

Portal health, every figure from the activity rollup (``analytics.activity``):

* **Weekly active accounts**: partner accounts active in the week out of the
  partner accounts of the selected organizations (target above 60 %).
* **Registrations per active partner**: registrations submitted in the week
  divided by the organizations with an active account that week.
* **Time to first action**: for partners created in the range, the median
  number of days from creation to their first deal, course or invitation
  (``PartnerOrganization.first_action_at``; target under 7 days).
* **Time to first deal**: for partners created in the range, the median
  number of days from creation to their first deal registration.
"""

import dataclasses
import datetime
import json
import statistics
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pygal
from django.db import connection
from django.db.models import Aggregate, Count, F, FloatField, Func, OuterRef, QuerySet, Subquery
from django.db.models.functions import TruncWeek
from django.utils.translation import gettext as _

from programs.models import Membership, PartnerOrganization, ProgramSettings
from programs.tenancy import PORTAL_STATUSES, scoped, sees_every_partner

from .models import ActivityDay, DealDay

ACTIVE_TARGET_PERCENT = 60
FIRST_ACTION_TARGET_DAYS = 7
DEFAULT_WEEKS = 12
#: URL parameter -> organization lookup
FILTERS = {"tier": "tier_id", "region": "region_id", "type": "partner_type_id"}
ZERO = Decimal("0")


@dataclass
class Week:
    start: datetime.date
    active_accounts: int
    accounts: int
    registrations: int
    active_partners: int

    @property
    def active_percent(self) -> Decimal | None:
        if not self.accounts:
            return None
        return (Decimal(self.active_accounts) * 100 / self.accounts).quantize(Decimal("0.1"))

    @property
    def registrations_per_active_partner(self) -> Decimal | None:
        if not self.active_partners:
            return None
        return (Decimal(self.registrations) / self.active_partners).quantize(Decimal("0.01"))


@dataclass
class ProgramFilters:
    start: datetime.date
    end: datetime.date
    tier: str = ""
    region: str = ""
    type: str = ""
    #: the staff member whose partners bound the figures (``programs.tenancy``:
    #: a CAM's portfolio, every partner for channel ops); None: every partner
    viewer: Any = dataclasses.field(default=None, compare=False, repr=False)

    @classmethod
    def from_query(cls, query, *, today: datetime.date) -> "ProgramFilters":
        """Dates as ISO strings (bad or missing ones fall back to the last
        twelve weeks); ids as digits (anything else is ignored)."""

        def date(name, default):
            try:
                return datetime.date.fromisoformat(query.get(name, ""))
            except ValueError:
                return default

        end = date("end", today)
        start = date("start", end - datetime.timedelta(weeks=DEFAULT_WEEKS) + datetime.timedelta(days=1))
        if start > end:
            start, end = end, start
        ids = {name: query.get(name, "") if str(query.get(name, "")).isdigit() else "" for name in FILTERS}
        return cls(start=start, end=end, **ids)

    def seen_by(self, user) -> "ProgramFilters":
        """The same filters over the partners ``user`` may see."""
        return dataclasses.replace(self, viewer=user)

    def organizations(self):
        organizations = PartnerOrganization.objects.filter(status__in=PORTAL_STATUSES)
        if self.viewer is not None:
            organizations = scoped(organizations, self.viewer, organization_field="")
        for name, lookup in FILTERS.items():
            if getattr(self, name):
                organizations = organizations.filter(**{lookup: int(getattr(self, name))})
        return organizations


def may_read_program_analytics(user) -> bool:
    """Program analytics are channel ops' (staff who see every partner): the
    report's tables cover the whole program, never one portfolio."""
    return sees_every_partner(user)


def _monday(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def _deal_days(filters: ProgramFilters, organizations) -> QuerySet[DealDay]:
    """The deal rollup's rows of the range for ``organizations`` (every currency)."""
    return DealDay.objects.filter(organization__in=organizations, day__gte=filters.start, day__lte=filters.end)


@dataclass
class DealFigures:
    """What program analytics read from the deal rollup over the range, in
    one pass over its rows (``GROUPING SETS``: per week and per organization)."""

    weekly_registrations: dict[datetime.date, int]
    submitted: int
    approved: int
    won: int
    #: organization id -> pipeline and won revenue in ``currency``
    by_organization: dict[int, dict]
    currency: str


DEAL_FIGURES_SQL = """
    SELECT GROUPING(organization_id) = 1 AS weekly, DATE_TRUNC('week', day)::date AS week, organization_id,
           SUM(registrations), SUM(approved), SUM(won_registrations),
           SUM(pipeline) FILTER (WHERE currency = %s), SUM(won_amount) FILTER (WHERE currency = %s)
    FROM ({days}) AS days
    GROUP BY GROUPING SETS ((DATE_TRUNC('week', day)::date), (organization_id))
"""


def _deal_figures(filters: ProgramFilters) -> DealFigures:
    """The range's deal figures (memoized on ``filters``: the page and the
    digest read several tables of the same range)."""
    currency = ProgramSettings.load().program_currency
    cached = filters.__dict__.get("_deal_figures")
    if cached is not None and cached.currency == currency:
        return cached
    days = _deal_days(filters, filters.organizations().values("pk")).values(
        "day", "organization_id", "currency", "registrations", "approved", "won_registrations", "pipeline", "won_amount"
    )
    figures = DealFigures(
        weekly_registrations={}, submitted=0, approved=0, won=0, by_organization={}, currency=currency
    )
    groups = _deal_figure_groups(days, currency) if connection.vendor == "postgresql" else _grouped(days, currency)
    for weekly, week, organization_id, submitted, approved, won, pipeline, won_amount in groups:
        if weekly:
            figures.weekly_registrations[week] = submitted
            continue
        figures.submitted += submitted
        figures.approved += approved
        figures.won += won
        if pipeline is not None:
            figures.by_organization[organization_id] = {"pipeline": pipeline, "won": won_amount}
    filters.__dict__["_deal_figures"] = figures
    return figures


def _deal_figure_groups(days: QuerySet, currency: str) -> list[tuple]:
    """The rollup rows ``days`` grouped by week and by organization in the database."""
    sql, params = days.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(DEAL_FIGURES_SQL.format(days=sql), [currency, currency, *params])
        return cursor.fetchall()


def _grouped(days: QuerySet, currency: str) -> list[tuple]:
    """The same groups as ``_deal_figure_groups`` (``GROUPING SETS`` is
    PostgreSQL's), added up here: on the embedded default's few rows."""
    weeks: dict[datetime.date, int] = {}
    organizations: dict[int, list] = {}
    for row in days:
        week = _monday(row["day"])
        weeks[week] = weeks.get(week, 0) + row["registrations"]
        sums = organizations.setdefault(row["organization_id"], [0, 0, 0, None, None])
        sums[0] += row["registrations"]
        sums[1] += row["approved"]
        sums[2] += row["won_registrations"]
        if row["currency"] == currency:
            sums[3] = (sums[3] or ZERO) + row["pipeline"]
            sums[4] = (sums[4] or ZERO) + row["won_amount"]
    return [(True, week, None, count, 0, 0, None, None) for week, count in weeks.items()] + [
        (False, None, organization_id, *sums) for organization_id, sums in organizations.items()
    ]


def portal_health(filters: ProgramFilters) -> list[Week]:
    """One row per week (Monday first) of the range, oldest first."""
    organizations = filters.organizations().values("pk")
    accounts = Membership.objects.filter(is_active=True, organization__in=organizations).count()
    days = ActivityDay.objects.filter(
        day__gte=filters.start, day__lte=filters.end, user__isnull=False, organization__in=organizations
    )
    activity = {
        row["week"]: row
        for row in days.annotate(week=TruncWeek("day"))
        .values("week")
        .annotate(accounts=Count("user", distinct=True), partners=Count("organization", distinct=True))
    }
    registrations = _deal_figures(filters).weekly_registrations
    weeks = []
    week = _monday(filters.start)
    while week <= filters.end:
        row = activity.get(week, {})
        weeks.append(
            Week(
                start=week,
                active_accounts=row.get("accounts", 0),
                accounts=accounts,
                registrations=registrations.get(week, 0),
                active_partners=row.get("partners", 0),
            )
        )
        week += datetime.timedelta(weeks=1)
    return weeks


class _Median(Aggregate):
    """PostgreSQL's median (the mean of the two middle values of an even count)."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


def _median_days(rows, *, since: str, until: str) -> Decimal | None:
    """Median days from field ``since`` to field ``until`` over ``rows``, in
    one query (no row loaded on PostgreSQL)."""
    if connection.vendor == "postgresql":
        seconds = Func(F(until) - F(since), template="EXTRACT(EPOCH FROM %(expressions)s)", output_field=FloatField())
        median = rows.aggregate(median=_Median(seconds))["median"]
    else:
        median = _median([(end - start).total_seconds() for start, end in rows.values_list(since, until)])
    if median is None:
        return None
    return _days(median)


def _median(values: list[float]) -> float | None:
    """``PERCENTILE_CONT(0.5)`` where the database has none (the embedded default)."""
    return statistics.median(values) if values else None


def _days(seconds: float) -> Decimal:
    return (Decimal(seconds) / 86400).quantize(Decimal("0.1"))


def median_days_to_first_action(filters: ProgramFilters) -> Decimal | None:
    """Median days from creation to first action of the partners created in
    the range that have acted."""
    acted = filters.organizations().filter(
        created_at__date__gte=filters.start, created_at__date__lte=filters.end, first_action_at__isnull=False
    )
    return _median_days(acted, since="created_at", until="first_action_at")


def median_days_to_first_deal(filters: ProgramFilters) -> Decimal | None:
    """Median days from creation to first deal registration of the partners
    created in the range that have registered one."""
    registered = (
        filters.organizations()
        .filter(created_at__date__gte=filters.start, created_at__date__lte=filters.end)
        # Each partner's first rollup day with a registration (an index lookup per partner).
        .annotate(
            first_deal_at=Subquery(
                DealDay.objects.filter(organization=OuterRef("pk"), first_submitted_at__isnull=False)
                .order_by("day", "first_submitted_at")
                .values("first_submitted_at")[:1]
            )
        )
        .filter(first_deal_at__isnull=False)
    )
    return _median_days(registered, since="created_at", until="first_deal_at")


@dataclass
class RegistrationFunnel:
    """What became of the registrations submitted in the range."""

    submitted: int
    approved: int
    won: int
    median_approval_days: Decimal | None

    @property
    def approved_percent(self) -> Decimal | None:
        return _share(self.approved, self.submitted)

    @property
    def won_percent(self) -> Decimal | None:
        return _share(self.won, self.submitted)


def _share(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / whole).quantize(Decimal("0.1"))


def registration_funnel(filters: ProgramFilters) -> RegistrationFunnel:
    """Registrations submitted in the range by the selected partners: how many
    were approved (at any time since, whatever became of them), how many are
    won, and the median days from submission to approval."""
    figures = _deal_figures(filters)
    approvals = _deal_days(filters, filters.organizations().values("pk")).filter(approved__gt=0)
    return RegistrationFunnel(
        submitted=figures.submitted,
        approved=figures.approved,
        won=figures.won,
        median_approval_days=_median_approval_days(approvals),
    )


def _median_approval_days(days: QuerySet[DealDay]) -> Decimal | None:
    """Median days from submission to approval over the approvals the
    rollup rows ``days`` hold (each row keeps every approval's seconds, so
    the median is the exact one of the registrations)."""
    if connection.vendor != "postgresql":
        # SQLite keeps each row's seconds as a JSON list (``analytics.services``).
        lists = days.values_list("approval_seconds", flat=True)
        seconds = _median([value for values in lists for value in json.loads(values)])
        return None if seconds is None else _days(seconds)
    sql, params = days.values("approval_seconds").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY seconds) FROM ({sql}) AS days, "  # noqa: S608 - the ORM's SQL, values bound
            "UNNEST(days.approval_seconds) AS seconds",
            params,
        )
        seconds = cursor.fetchone()[0]
    return None if seconds is None else _days(seconds)


#: breakdowns of pipeline and revenue: dimension -> the organization's field naming the group
BREAKDOWNS = {"tier": "tier__name", "type": "partner_type__name", "region": "region__name"}


def pipeline_and_revenue(filters: ProgramFilters, *, by: str) -> list[dict]:
    """Pipeline registered and revenue won in the range (program currency),
    one row per group of ``by`` (a key of ``BREAKDOWNS``), most revenue first."""
    figures = _deal_figures(filters)
    currency, totals = figures.currency, figures.by_organization
    field = BREAKDOWNS[by]
    groups: dict[str | None, dict] = {}
    for pk, name in filters.organizations().values_list("pk", field):
        group = groups.setdefault(name, {"partners": 0, "pipeline": ZERO, "won": ZERO})
        group["partners"] += 1
        figures = totals.get(pk)
        if figures:
            group["pipeline"] += figures["pipeline"] or ZERO
            group["won"] += figures["won"] or ZERO
    # As the database ordered them: most won first, then by name, the empty tier last.
    ordered = sorted(groups.items(), key=lambda item: (-item[1]["won"], item[0] is None, item[0] or ""))
    return [
        # only the tier may be empty
        {"name": name or _("No tier"), "currency": currency, **figures}
        for name, figures in ordered
    ]


def revenue_by_tier(filters: ProgramFilters) -> list[dict]:
    """Pipeline registered and revenue won in the range, per tier (program currency)."""
    return pipeline_and_revenue(filters, by="tier")


def active_accounts_chart(weeks: list[Week]) -> str:
    """Weekly active accounts (%) against the target, as an SVG document that
    also works in emails and PDFs (no script, no external style)."""
    chart = pygal.Line(
        width=720,
        height=280,
        show_legend=True,
        legend_at_bottom=True,
        range=(0, 100),
        js=[],
        disable_xml_declaration=True,
        explicit_size=True,
        x_label_rotation=30,
        title=_("Weekly active partner accounts (%)"),
    )
    chart.x_labels = [week.start.isoformat() for week in weeks]
    chart.add(
        _("Active accounts"),
        [float(week.active_percent) if week.active_percent is not None else None for week in weeks],
    )
    chart.add(_("Target"), [ACTIVE_TARGET_PERCENT] * len(weeks), show_dots=False, stroke_style={"dasharray": "6,4"})
    return chart.render(is_unicode=True)
