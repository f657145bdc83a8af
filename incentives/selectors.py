"""Read queries of incentives; partner-facing ones go through programs.tenancy."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Case, CharField, Count, Prefetch, Q, QuerySet, Sum, Value, When
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from deals.models import DealEvent
from programs.formats import money
from programs.models import PartnerOrganization
from programs.tenancy import get_scoped_or_404, scoped

from .models import (
    Dispute,
    DisputeStatus,
    Enrollment,
    IncentiveProgram,
    LedgerLine,
    LineKind,
    ProgramKind,
    Statement,
    StatementStatus,
)
from .periods import period_bounds
from .services.accruals import rebate_base, rebate_step_reached
from .services.rules import ProgramRules, rules_in_force


class EarningStatus:
    """Where a line stands on its way to the partner's bank account."""

    ACCRUED = "accrued"
    APPROVED = "approved"
    PAID = "paid"

    @staticmethod
    def choices():
        return [
            (EarningStatus.ACCRUED, _("Accrued")),
            (EarningStatus.APPROVED, _("Approved")),
            (EarningStatus.PAID, _("Paid")),
        ]


#: the statement states behind each earning status, as a filter on the lines
#: themselves (a filter on the CASE of EARNING_STATUS joins every line to
#: its statement before it can choose any)
EARNING_STATUS_FILTERS = {
    EarningStatus.PAID: Q(statement__status=StatementStatus.PAID),
    EarningStatus.APPROVED: Q(statement__status=StatementStatus.APPROVED),
    EarningStatus.ACCRUED: Q(statement__isnull=True) | Q(statement__status=StatementStatus.DRAFT),
}

#: the badge each line shows, from the same filters (accrued is what is neither paid nor approved)
EARNING_STATUS = Case(
    *(
        When(EARNING_STATUS_FILTERS[status], then=Value(status))
        for status in (EarningStatus.PAID, EarningStatus.APPROVED)
    ),
    default=Value(EarningStatus.ACCRUED),
    output_field=CharField(),
)


def _lines(queryset: QuerySet[LedgerLine]) -> QuerySet[LedgerLine]:
    # The correction event and its deal come in a second query, run only
    # when a line has one: two more joins made PostgreSQL spend 15 to 45 ms
    # planning each page of lines against 1 to 2 ms without them.
    return (
        queryset.select_related("program", "rule_version", "deal", "statement")
        .prefetch_related(Prefetch("deal_event", queryset=DealEvent.objects.select_related("deal")))
        .annotate(earning_status=EARNING_STATUS)
    )


def statement_lines(*, statement: Statement) -> QuerySet[LedgerLine]:
    return _lines(statement.lines.all()).order_by("earned_on", "pk")


def line_list(*, user, status: str = "", program_id: int | None = None) -> QuerySet[LedgerLine]:
    """The ledger lines ``user`` may see, newest first, filtered by earning status and program."""
    lines = _lines(scoped(LedgerLine.objects.all(), user))
    if status in EARNING_STATUS_FILTERS:
        lines = lines.filter(EARNING_STATUS_FILTERS[status])
    if program_id:
        lines = lines.filter(program_id=program_id)
    return lines.order_by("-earned_on", "-pk")


def line_get(*, user, pk: int) -> LedgerLine:
    return get_scoped_or_404(_lines(LedgerLine.objects.all()), user, pk=pk)


@dataclass(frozen=True)
class EarningsTotal:
    currency: str
    accrued: Decimal
    approved: Decimal
    paid: Decimal


def earnings_totals(*, user) -> list[EarningsTotal]:
    """Accrued, approved and paid per currency (never summed across currencies)."""
    return earnings_summary(lines=visible_lines(user=user)).totals


#: lines per page of the earnings page
EARNINGS_PAGE_SIZE = 25


@dataclass(frozen=True)
class LinesPage:
    """One page of lines, told apart from the next without counting them all
    (the page reads one line more than it shows)."""

    object_list: list
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.has_previous or self.has_next

    def previous_page_number(self) -> int:
        return self.number - 1

    def next_page_number(self) -> int:
        return self.number + 1


@dataclass(frozen=True)
class EarningsSummary:
    totals: list[EarningsTotal]
    #: (id, name) of the programs the lines come from, for the filter
    programs: list[tuple[int, str]]


def visible_lines(*, user) -> QuerySet[LedgerLine]:
    """The ledger lines ``user`` may see; the earnings page's reads share it,
    so the organizations are looked up once."""
    return scoped(LedgerLine.objects.all(), user)


def earnings_summary(*, lines: QuerySet[LedgerLine]) -> EarningsSummary:
    """Accrued, approved and paid per currency (never summed across
    currencies) and the programs ``lines`` come from, in one grouped query:
    on a loaded server each query costs more than the rows it reads."""
    rows = (
        lines.values("currency", "program_id", "program__name")
        .annotate(
            accrued=Sum("amount", filter=Q(statement__isnull=True) | Q(statement__status=StatementStatus.DRAFT)),
            approved=Sum("amount", filter=Q(statement__status=StatementStatus.APPROVED)),
            paid=Sum("amount", filter=Q(statement__status=StatementStatus.PAID)),
        )
        .order_by()
    )
    zero = Decimal("0")
    sums: dict[str, list[Decimal]] = {}
    programs = {}
    for row in rows:
        figures = sums.setdefault(row["currency"], [zero, zero, zero])
        for index, name in enumerate(("accrued", "approved", "paid")):
            figures[index] += row[name] or zero
        programs[row["program_id"]] = row["program__name"]
    return EarningsSummary(
        totals=[EarningsTotal(currency, *sums[currency]) for currency in sorted(sums)],
        programs=sorted(programs.items(), key=lambda program: (program[1].lower(), program[0])),
    )


def _page_number(value) -> int:
    try:
        return max(int(value), 1)
    except (TypeError, ValueError):
        return 1


def earnings_page(*, lines: QuerySet[LedgerLine], status: str = "", program_id: int | None = None, page=1) -> LinesPage:
    """A page of ``lines``, newest first, filtered by earning status and
    program; a page past the last (a stale link) gives the first.

    The page's ids are chosen in a subquery on the lines alone (the
    organization's index, in date order), and only those rows are joined to
    their program, rule version, deal and statement. Joined in one query,
    PostgreSQL planned a merge join on the program that read every line of
    the ledger (every line shares one program at scale: 100 to 230 ms for
    200,000 lines, bench/incentives.py); the subquery reads the page."""
    if status in EARNING_STATUS_FILTERS:
        lines = lines.filter(EARNING_STATUS_FILTERS[status])
    if program_id:
        lines = lines.filter(program_id=program_id)
    ordered = lines.order_by("-earned_on", "-pk").values("pk")
    number = _page_number(page)

    def read(start: int) -> list[LedgerLine]:
        chosen = ordered[start : start + EARNINGS_PAGE_SIZE + 1]
        return list(_lines(LedgerLine.objects.filter(pk__in=chosen)).order_by("-earned_on", "-pk"))

    found = read((number - 1) * EARNINGS_PAGE_SIZE)
    if not found and number > 1:
        number, found = 1, read(0)
    return LinesPage(found[:EARNINGS_PAGE_SIZE], number, has_next=len(found) > EARNINGS_PAGE_SIZE)


def statement_list(*, user) -> QuerySet[Statement]:
    return scoped(Statement.objects.all(), user).order_by("-period_end", "-pk")


def statement_get(*, user, pk: int) -> Statement:
    return get_scoped_or_404(Statement.objects.select_related("organization"), user, pk=pk)


def dispute_list(*, user) -> QuerySet[Dispute]:
    return scoped(Dispute.objects.select_related("line__program", "statement"), user).order_by("-opened_at", "-pk")


def dispute_get(*, user, pk: int) -> Dispute:
    return get_scoped_or_404(Dispute.objects.select_related("line__program", "line__deal", "statement"), user, pk=pk)


def open_dispute_count(*, user) -> int:
    return dispute_list(user=user).filter(status=DisputeStatus.OPEN).count()


def next_payout(*, user) -> Statement | None:
    """The approved statement awaiting payment, else the draft being prepared."""
    statements = statement_list(user=user).exclude(status=StatementStatus.PAID)
    return statements.order_by("-status", "period_end").first()


@dataclass(frozen=True)
class SpiffStatus:
    program: IncentiveProgram
    rules: ProgramRules
    enrolled: bool
    earned: list  # [(currency, amount)]
    qualifying_deals: int


def _open_spiffs(in_force: list[ProgramRules], today: datetime.date) -> list[ProgramRules]:
    return [
        rules
        for rules in in_force
        if rules.kind == ProgramKind.SPIFF
        and rules.active
        and rules.starts_on
        and rules.ends_on
        and rules.starts_on <= today <= rules.ends_on
    ]


def programs_in_force(*, today: datetime.date | None = None) -> list[ProgramRules]:
    """The SPIFFs' and rebates' rules in force ``today``, read once for the
    page that shows both (:func:`active_spiffs`, :func:`rebate_attainments`)."""
    return rules_in_force(on=today or timezone.localdate(), kinds=[ProgramKind.SPIFF, ProgramKind.REBATE])


def active_spiff_count(*, today: datetime.date | None = None) -> int:
    """How many SPIFFs have their window open today (the dashboard's card)."""
    today = today or timezone.localdate()
    return len(_open_spiffs(rules_in_force(on=today, kinds=[ProgramKind.SPIFF]), today))


def active_spiffs(
    *,
    organization: PartnerOrganization,
    today: datetime.date | None = None,
    in_force: list[ProgramRules] | None = None,
) -> list[SpiffStatus]:
    """SPIFFs whose window is open today, with what the partner earned in
    them (one grouped read of the lines for every SPIFF, not two a SPIFF)."""
    today = today or timezone.localdate()
    spiffs = _open_spiffs(rules_in_force(on=today, kinds=[ProgramKind.SPIFF]) if in_force is None else in_force, today)
    if not spiffs:
        return []
    enrolled = set(Enrollment.objects.filter(organization=organization).values_list("program_id", flat=True))
    earned: dict[int, list] = {}
    deals: dict[int, int] = {}
    rows = (
        LedgerLine.objects.filter(organization=organization, program_id__in=[rules.program_id for rules in spiffs])
        .values("program_id", "currency")
        .annotate(
            total=Sum("amount"),
            deals=Count("pk", filter=Q(deal__isnull=False, reversed_by__isnull=True, kind=LineKind.ACCRUAL)),
        )
        .order_by("program_id", "currency")
    )
    for row in rows:
        earned.setdefault(row["program_id"], []).append((row["currency"], row["total"]))
        deals[row["program_id"]] = deals.get(row["program_id"], 0) + row["deals"]
    return [
        SpiffStatus(
            program=rules.version.program,
            rules=rules,
            enrolled=rules.program_id in enrolled,
            earned=earned.get(rules.program_id, []),
            qualifying_deals=deals.get(rules.program_id, 0),
        )
        for rules in spiffs
    ]


@dataclass(frozen=True)
class RebateAttainment:
    program: IncentiveProgram
    rules: ProgramRules
    period_start: datetime.date
    period_end: datetime.date
    revenue: Decimal
    current_rate: Decimal | None
    next_threshold: Decimal | None
    next_rate: Decimal | None
    #: won deals of the period in another currency without an exchange rate yet
    waiting_for_rate: int = 0

    @property
    def gap(self) -> Decimal | None:
        return self.next_threshold - self.revenue if self.next_threshold is not None else None

    @property
    def progress_percent(self) -> int:
        if self.next_threshold is None or not self.next_threshold:
            return 100
        return min(100, int(self.revenue * 100 / self.next_threshold))

    def next_step_text(self) -> str:
        """What is needed for the next step, in the voice of the tier page."""
        if self.next_threshold is None:
            return _("You reached the highest step of this rebate.")
        return _("%(amount)s more won revenue by %(date)s to earn %(rate)s %%.") % {
            "amount": money(self.gap, self.rules.currency),
            "date": date_format(self.period_end, "SHORT_DATE_FORMAT"),
            "rate": self.next_rate.normalize(),
        }


def rebate_attainments(
    *,
    organization: PartnerOrganization,
    today: datetime.date | None = None,
    in_force: list[ProgramRules] | None = None,
):
    """Live attainment of each rebate program in the current period."""
    today = today or timezone.localdate()
    found = []
    for rules in rules_in_force(on=today, kinds=[ProgramKind.REBATE]) if in_force is None else in_force:
        if rules.kind != ProgramKind.REBATE or not rules.active or not rules.rebate_steps:
            continue
        start, end = period_bounds(today, rules.rebate_period)
        base = rebate_base(organization=organization, currency=rules.currency, start=start, end=end)
        revenue = base.revenue
        reached = rebate_step_reached(rules, revenue)
        upcoming = next((step for step in rules.rebate_steps if step.threshold > revenue), None)
        found.append(
            RebateAttainment(
                program=rules.version.program,
                rules=rules,
                period_start=start,
                period_end=end,
                revenue=revenue,
                current_rate=reached.rate if reached else None,
                next_threshold=upcoming.threshold if upcoming else None,
                next_rate=upcoming.rate if upcoming else None,
                waiting_for_rate=len(base.missing),
            )
        )
    return found
