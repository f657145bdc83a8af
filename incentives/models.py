"""Incentive programs, their versioned rules, the accrual ledger, statements
and disputes.

Programs are edited by channel ops in the admin; every save records a
``RuleVersion`` snapshot and the accrual service reads rules from those
snapshots only, never from the editable rows, so any past figure can be
recomputed with the rules in force at its date.

Ledger lines are written by ``incentives.services`` only and never edited:
a correction is a reversing line plus a new line. A line's only mutable
column is ``statement``, the statement it was paid out on.
"""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.models import Orderable

from deals.models import DealEventKind, StatusEvent, validate_currency
from programs.models import PartnerOrganization
from programs.validators import validate_money_fields

#: Three decimals so KWD and BHD amounts are stored exactly; each amount is
#: checked against its currency's minor unit (programs.validators).
MONEY = {"max_digits": 15, "decimal_places": 3}
RATE = {
    "max_digits": 6,
    "decimal_places": 3,
    "validators": [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
}


class ProgramKind(models.TextChoices):
    COMMISSION = "commission", _("Commission")
    SPIFF = "spiff", _("SPIFF")
    REBATE = "rebate", _("Rebate")


class PayoutFrequency(models.TextChoices):
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")


class DealSource(models.TextChoices):
    ANY = "", _("Any source")
    PARTNER = "partner", _("Partner-sourced")
    VENDOR_LEAD = "vendor_lead", _("Vendor lead")


class IncentiveProgram(ClusterableModel):
    """A commission plan, a SPIFF or a rebate, with its payout schedule.

    Which fields matter depends on ``kind``; the admin form checks that the
    ones the kind needs are filled."""

    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=12, choices=ProgramKind.choices)
    description = models.TextField(_("description shown to partners"), blank=True)
    active = models.BooleanField(_("active"), default=True)
    rules_effective_from = models.DateField(
        _("rule changes apply to deals closed from"),
        default=timezone.localdate,
        help_text=_(
            "Saving records a new rule version in force from this date; deals closed earlier keep the rules "
            "that were in force at their close date."
        ),
    )

    # Commission.
    default_rate = models.DecimalField(
        _("default commission rate (%)"), **RATE, default=Decimal("0"), help_text=_("For tiers without a rate below.")
    )

    # SPIFF.
    starts_on = models.DateField(_("window opens on"), null=True, blank=True, help_text=_("Inclusive."))
    ends_on = models.DateField(_("window closes on"), null=True, blank=True, help_text=_("Inclusive."))
    bonus_per_deal = models.DecimalField(
        _("bonus per qualifying deal"), **MONEY, default=Decimal("0"), validators=[MinValueValidator(Decimal("0"))]
    )
    bonus_per_unit = models.DecimalField(
        _("bonus per unit"), **MONEY, default=Decimal("0"), validators=[MinValueValidator(Decimal("0"))]
    )
    product_lines = ParentalManyToManyField(
        "programs.ProductLine",
        blank=True,
        related_name="+",
        verbose_name=_("limited to product lines"),
        help_text=_("Empty: every product line qualifies."),
    )
    certifications = ParentalManyToManyField(
        "programs.Certification",
        blank=True,
        related_name="+",
        verbose_name=_("limited to people holding"),
        help_text=_("The person who registered the deal must hold one of these at the close date. Empty: anyone."),
    )
    requires_opt_in = models.BooleanField(_("partners opt in"), default=False)

    # Rebate.
    rebate_period = models.CharField(
        _("rebate period"), max_length=12, choices=PayoutFrequency.choices, default=PayoutFrequency.QUARTERLY
    )

    # SPIFF bonuses and rebate thresholds are in this currency; commission
    # follows each deal's currency.
    currency = models.CharField(_("currency"), max_length=3, default="USD", validators=[validate_currency])

    # Payout schedule.
    payout_frequency = models.CharField(
        _("payout frequency"), max_length=12, choices=PayoutFrequency.choices, default=PayoutFrequency.MONTHLY
    )
    minimum_payout = models.DecimalField(
        _("minimum payout"),
        **MONEY,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Smaller amounts wait for the next statement."),
    )
    hold_days = models.PositiveSmallIntegerField(
        _("hold days"), default=0, help_text=_("Days after the close date before a line goes on a statement.")
    )

    panels = [
        MultiFieldPanel(
            [
                FieldPanel("name"),
                FieldPanel("kind"),
                FieldPanel("description"),
                FieldPanel("active"),
                FieldPanel("currency"),
                FieldPanel("rules_effective_from"),
            ],
            heading=_("Program"),
        ),
        MultiFieldPanel(
            [FieldPanel("default_rate"), InlinePanel("tier_rates", label=_("Rate by tier"))],
            heading=_("Commission"),
        ),
        InlinePanel(
            "overrides",
            label=_("Commission overrides"),
            help_text=_("The first override whose conditions all hold replaces the tier rate."),
        ),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("starts_on"), FieldPanel("ends_on")]),
                FieldRowPanel([FieldPanel("bonus_per_deal"), FieldPanel("bonus_per_unit")]),
                FieldPanel("product_lines"),
                FieldPanel("certifications"),
                FieldPanel("requires_opt_in"),
            ],
            heading=_("SPIFF"),
        ),
        MultiFieldPanel(
            [FieldPanel("rebate_period"), InlinePanel("rebate_steps", label=_("Attainment steps"))],
            heading=_("Rebate"),
        ),
        MultiFieldPanel(
            [FieldPanel("payout_frequency"), FieldPanel("minimum_payout"), FieldPanel("hold_days")],
            heading=_("Payout schedule"),
        ),
    ]

    class Meta:
        verbose_name = _("incentive program")
        verbose_name_plural = _("incentive programs")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        validate_money_fields(self, self.currency, "bonus_per_deal", "bonus_per_unit", "minimum_payout")
        if self.kind == ProgramKind.SPIFF:
            errors = {}
            if self.starts_on is None:
                errors["starts_on"] = _("A SPIFF needs the date its window opens.")
            if self.ends_on is None:
                errors["ends_on"] = _("A SPIFF needs the date its window closes.")
            if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
                errors["ends_on"] = _("The window cannot close before it opens.")
            if errors:
                raise ValidationError(errors)


class CommissionTierRate(Orderable):
    program = ParentalKey(IncentiveProgram, on_delete=models.CASCADE, related_name="tier_rates")
    tier = models.ForeignKey("programs.Tier", verbose_name=_("tier"), on_delete=models.PROTECT, related_name="+")
    rate = models.DecimalField(_("rate (%)"), **RATE)

    panels = [FieldRowPanel([FieldPanel("tier"), FieldPanel("rate")])]

    class Meta(Orderable.Meta):
        verbose_name = _("tier rate")
        verbose_name_plural = _("tier rates")


class CommissionOverride(Orderable):
    """A rate replacing the tier rate when every condition given holds."""

    program = ParentalKey(IncentiveProgram, on_delete=models.CASCADE, related_name="overrides")
    product_line = models.ForeignKey(
        "programs.ProductLine",
        verbose_name=_("deal includes product line"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    partner_type = models.ForeignKey(
        "programs.PartnerType",
        verbose_name=_("partner type"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    region = models.ForeignKey(
        "programs.Region", verbose_name=_("region"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    deal_source = models.CharField(
        _("deal source"), max_length=12, choices=DealSource.choices, default=DealSource.ANY, blank=True
    )
    rate = models.DecimalField(_("rate (%)"), **RATE)

    panels = [
        FieldRowPanel([FieldPanel("product_line"), FieldPanel("partner_type")]),
        FieldRowPanel([FieldPanel("region"), FieldPanel("deal_source"), FieldPanel("rate")]),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("commission override")
        verbose_name_plural = _("commission overrides")


class RebateStep(Orderable):
    program = ParentalKey(IncentiveProgram, on_delete=models.CASCADE, related_name="rebate_steps")
    threshold = models.DecimalField(
        _("won revenue from"), **MONEY, validators=[MinValueValidator(Decimal("0"))], help_text=_("Inclusive.")
    )
    rate = models.DecimalField(_("rebate (%)"), **RATE)

    panels = [FieldRowPanel([FieldPanel("threshold"), FieldPanel("rate")])]

    class Meta(Orderable.Meta):
        verbose_name = _("rebate step")
        verbose_name_plural = _("rebate steps")


class RuleVersion(models.Model):
    """A program's rules as they stood from ``effective_from`` (a close date) on."""

    # Rule history never goes with its program: ledger lines point at it.
    program = models.ForeignKey(IncentiveProgram, on_delete=models.PROTECT, related_name="rule_versions")
    number = models.PositiveIntegerField(_("version"))
    effective_from = models.DateField(_("effective from"))
    rules = models.JSONField(_("rules"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        verbose_name = _("incentive rule version")
        verbose_name_plural = _("incentive rule versions")
        ordering = ["program", "-effective_from", "-number"]
        indexes = [models.Index(fields=["program", "-effective_from", "-number"])]
        constraints = [models.UniqueConstraint(fields=["program", "number"], name="incentive_rule_version_number")]

    def __str__(self):
        return f"{self.program} v{self.number} from {self.effective_from:%Y-%m-%d}"


class Enrollment(models.Model):
    """A partner's opt-in to a program that asks for one (SPIFFs)."""

    organization = models.ForeignKey(PartnerOrganization, on_delete=models.CASCADE, related_name="+")
    program = models.ForeignKey(IncentiveProgram, on_delete=models.CASCADE, related_name="enrollments")
    opted_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    opted_in_at = models.DateTimeField(_("opted in"), default=timezone.now)

    class Meta:
        verbose_name = _("program enrollment")
        verbose_name_plural = _("program enrollments")
        constraints = [models.UniqueConstraint(fields=["organization", "program"], name="incentive_enrolled_once")]

    def __str__(self):
        return f"{self.organization} in {self.program}"


class LineKind(models.TextChoices):
    ACCRUAL = "accrual", _("Accrual")
    REVERSAL = "reversal", _("Reversal")
    REBATE = "rebate", _("Rebate")
    ADJUSTMENT = "adjustment", _("Adjustment")


class StatementStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")
    PAID = "paid", _("Paid")


class Statement(models.Model):
    """What one organization is paid for one period: the lines on it, totals
    per currency (never summed across currencies)."""

    organization = models.ForeignKey(PartnerOrganization, on_delete=models.CASCADE, related_name="+")
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    status = models.CharField(
        _("status"), max_length=10, choices=StatementStatus.choices, default=StatementStatus.DRAFT, db_index=True
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    paid_at = models.DateTimeField(_("payment recorded"), null=True, blank=True)
    payment_reference = models.CharField(_("payment reference"), max_length=120, blank=True)
    payment_date = models.DateField(_("payment date"), null=True, blank=True)

    class Meta:
        verbose_name = _("incentive statement")
        verbose_name_plural = _("incentive statements")
        ordering = ["-period_end", "organization__name"]
        indexes = [models.Index(fields=["organization", "-period_end"])]
        constraints = [
            models.UniqueConstraint(fields=["organization", "period_end"], name="incentive_statement_per_period")
        ]

    def __str__(self):
        return f"{self.organization} {self.period_start:%Y-%m-%d} – {self.period_end:%Y-%m-%d}"


class LedgerLine(models.Model):
    """One immutable accrual, reversal, rebate or adjustment, with everything
    needed to explain it: deal, rule version, tier at close, base, rate."""

    organization = models.ForeignKey(PartnerOrganization, on_delete=models.CASCADE, related_name="+")
    program = models.ForeignKey(IncentiveProgram, on_delete=models.PROTECT, related_name="ledger_lines")
    rule_version = models.ForeignKey(RuleVersion, on_delete=models.PROTECT, related_name="ledger_lines")
    deal = models.ForeignKey(
        "deals.DealRegistration", null=True, blank=True, on_delete=models.PROTECT, related_name="incentive_lines"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=LineKind.choices)
    #: what the line is about within its program: ``deal:<id>``, ``rebate:<period end>``, ``dispute:<id>``
    subject = models.CharField(max_length=60)
    #: unique per subject, rule version and sequence (a reversal: per reversed
    #: line), so a recomputation racing another one writes nothing twice
    key = models.CharField(max_length=200, unique=True)
    reverses = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by")
    earned_on = models.DateField(_("earned on"), help_text=_("The deal's close date, or the rebate period's end."))
    tier_name = models.CharField(_("tier at close date"), max_length=80, blank=True)
    basis = models.CharField(_("basis"), max_length=200, blank=True)
    base_amount = models.DecimalField(_("base amount"), **MONEY)
    rate = models.DecimalField(_("rate (%)"), max_digits=6, decimal_places=3, default=Decimal("0"))
    bonus = models.DecimalField(_("fixed amount"), **MONEY, default=Decimal("0"))
    units = models.PositiveIntegerField(_("units"), default=0)
    amount = models.DecimalField(_("amount"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3)
    note = models.TextField(_("note"), blank=True)
    #: the deal event (confirmation or correction) that caused this line: its
    #: actor, time, reason and before/after values
    deal_event = models.ForeignKey(
        "deals.DealEvent",
        verbose_name=_("caused by deal event"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="incentive_lines",
    )
    #: on a rebate line, each won deal in another currency counted in its base:
    #: deal, amount, currency, close date, rate, rate valid from, converted amount
    conversions = models.JSONField(_("currency conversions"), default=list, blank=True)
    #: on a rebate settled again because finance changed an exchange rate its
    #: base used: the pair, the rate and first day before and after, and when
    #: it changed (who: ``created_by``)
    rate_change = models.JSONField(_("caused by exchange rate change"), default=dict, blank=True)
    statement = models.ForeignKey(
        Statement, null=True, blank=True, on_delete=models.PROTECT, related_name="lines", editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        verbose_name = _("ledger line")
        verbose_name_plural = _("ledger lines")
        ordering = ["-earned_on", "-pk"]
        indexes = [
            models.Index(fields=["organization", "-earned_on"], name="incentive_line_org_idx"),
            # The admin ledger's order (newest first): a page of 200,000 lines
            # is read from it instead of sorting the whole ledger.
            models.Index(fields=["-earned_on", "-id"], name="incentive_line_recent_idx"),
            # The admin's filter by kind: reversals and adjustments are rare.
            models.Index(fields=["kind", "-earned_on", "-id"], name="incentive_line_kind_idx"),
            models.Index(fields=["program", "organization", "subject"], name="incentive_line_subject_idx"),
            models.Index(fields=["deal"], name="incentive_line_deal_idx"),
            models.Index(fields=["statement"], name="incentive_line_statement_idx"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.amount} {self.currency} ({self.program})"

    def save(self, *args, **kwargs):
        # The ledger is append-only: a correction is a new line, never an edit.
        if not self._state.adding:
            raise ValidationError(_("Ledger lines cannot be changed; record a correction instead."))
        super().save(*args, **kwargs)

    @property
    def converted_deals(self) -> list[dict]:
        """``conversions`` with dates and amounts as values (for templates and downloads)."""
        return [
            {
                **row,
                "amount": Decimal(row["amount"]),
                "rate": Decimal(row["rate"]),
                "converted": Decimal(row["converted"]),
                "closed_on": datetime.date.fromisoformat(row["closed_on"]),
                "rate_valid_from": datetime.date.fromisoformat(row["rate_valid_from"]),
            }
            for row in self.conversions
        ]

    @property
    def rate_correction(self) -> dict | None:
        """``rate_change`` with its time as a value (None for lines no rate change caused)."""
        if not self.rate_change:
            return None
        return {**self.rate_change, "changed_at": datetime.datetime.fromisoformat(self.rate_change["changed_at"])}

    @property
    def correction(self):
        """The deal correction (an edited outcome, or a reopened deal) this
        line follows from (None for first accruals and period-end rebates)."""
        event = self.deal_event
        return event if event is not None and event.kind in (DealEventKind.EDITED, DealEventKind.REOPENED) else None


class AccrualHold(models.Model):
    """An accrual the ledger cannot write yet, with the reason finance reads in
    the admin: a rebate whose period holds a won deal in another currency with
    no exchange rate in force on its close date. The rebate waits (it is
    neither written without the deal nor counted as 0); the daily run and any
    recomputation of the period retry it, and it is resolved once written."""

    organization = models.ForeignKey(
        PartnerOrganization, verbose_name=_("organization"), on_delete=models.CASCADE, related_name="+"
    )
    program = models.ForeignKey(
        IncentiveProgram, verbose_name=_("program"), on_delete=models.CASCADE, related_name="holds"
    )
    subject = models.CharField(max_length=60)
    earned_on = models.DateField(_("period end"))
    deal = models.ForeignKey(
        "deals.DealRegistration",
        verbose_name=_("deal without a rate"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    source_currency = models.CharField(_("from currency"), max_length=3, blank=True)
    target_currency = models.CharField(_("to currency"), max_length=3, blank=True)
    rate_needed_on = models.DateField(_("rate needed on"), null=True, blank=True)
    reason = models.TextField(_("why it waits"))
    created_at = models.DateTimeField(_("waiting since"), default=timezone.now)
    checked_at = models.DateTimeField(_("last checked"), default=timezone.now)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("waiting accrual")
        verbose_name_plural = _("waiting accruals")
        ordering = ["resolved_at", "-earned_on", "organization__name"]
        constraints = [
            models.UniqueConstraint(fields=["program", "organization", "subject"], name="incentive_hold_per_subject")
        ]

    def __str__(self):
        return f"{self.organization} {self.program} {self.subject}"


class StatementEventKind(models.TextChoices):
    CREATED = "created", _("Created")
    APPROVED = "approved", _("Approved by finance")
    PAID = "paid", _("Payment recorded")


class StatementEvent(StatusEvent):
    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("event"), max_length=12, choices=StatementEventKind.choices)

    class Meta(StatusEvent.Meta):
        verbose_name = _("statement event")
        verbose_name_plural = _("statement events")

    def __str__(self):
        return f"{self.statement_id} {self.kind} at {self.at:%Y-%m-%d %H:%M}"


class DisputeStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ADJUSTED = "adjusted", _("Resolved with an adjustment")
    REJECTED = "rejected", _("Rejected")


class Dispute(models.Model):
    """A partner questions one statement line; finance answers in the thread."""

    organization = models.ForeignKey(PartnerOrganization, on_delete=models.CASCADE, related_name="+")
    line = models.ForeignKey(LedgerLine, on_delete=models.PROTECT, related_name="disputes")
    statement = models.ForeignKey(Statement, on_delete=models.PROTECT, related_name="disputes")
    status = models.CharField(
        _("status"), max_length=10, choices=DisputeStatus.choices, default=DisputeStatus.OPEN, db_index=True
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    opened_at = models.DateTimeField(_("opened"), default=timezone.now)
    resolution = models.TextField(_("resolution"), blank=True)
    adjustment = models.OneToOneField(
        LedgerLine, null=True, blank=True, on_delete=models.PROTECT, related_name="resolved_dispute"
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)

    class Meta:
        verbose_name = _("incentive dispute")
        verbose_name_plural = _("incentive disputes")
        ordering = ["-opened_at", "-pk"]
        indexes = [models.Index(fields=["organization", "status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["line"], condition=models.Q(status="open"), name="incentive_one_open_dispute_per_line"
            )
        ]

    def __str__(self):
        return f"Dispute {self.pk} on line {self.line_id}"


class DisputeMessage(models.Model):
    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_vendor = models.BooleanField(default=False)
    body = models.TextField(_("message"))
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("dispute message")
        verbose_name_plural = _("dispute messages")
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.dispute_id} at {self.at:%Y-%m-%d %H:%M}"


class DisputeEventKind(models.TextChoices):
    OPENED = "opened", _("Opened")
    REPLIED = "replied", _("Answered")
    ADJUSTED = "adjusted", _("Resolved with an adjustment")
    REJECTED = "rejected", _("Rejected")


class DisputeEvent(StatusEvent):
    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("event"), max_length=12, choices=DisputeEventKind.choices)

    class Meta(StatusEvent.Meta):
        verbose_name = _("dispute event")
        verbose_name_plural = _("dispute events")

    def __str__(self):
        return f"{self.dispute_id} {self.kind} at {self.at:%Y-%m-%d %H:%M}"
