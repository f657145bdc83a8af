"""Market development funds: programs per period, allocations, an immutable
ledger, requests with pre-approval, claims with proof of performance.

Rows change through ``mdf.services`` only; every state change of a request
or claim records an ``MdfEvent`` in the same transaction, and every movement
of money is a ``LedgerEntry`` that is never updated or deleted.
"""

import secrets
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.models import TranslatableMixin
from wagtail_localize.fields import SynchronizedField

from programs.admin_forms import MoneyAdminForm
from programs.audit import StatusEvent
from programs.files import private_storage
from programs.models import currency_validator
from programs.validators import validate_money_fields

#: Three decimals so KWD and BHD amounts are stored exactly; each amount is
#: checked against its currency's minor unit (programs.validators).
MONEY = {"max_digits": 15, "decimal_places": 3}
PERCENT = {
    "max_digits": 5,
    "decimal_places": 2,
    "validators": [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
}


class ActivityType(TranslatableMixin, models.Model):
    """Events, webinars, digital campaigns…: what MDF may pay for (a
    translatable snippet channel ops edit)."""

    name = models.CharField(_("name"), max_length=80)
    code = models.SlugField(_("code"), max_length=40, help_text=_("Stable identifier used in rules and the API."))
    description = models.TextField(_("description"), blank=True)
    reimbursement_percent = models.DecimalField(
        _("reimbursement (%)"),
        **PERCENT,
        null=True,
        blank=True,
        help_text=_("Overrides the program's percentage for this activity type. Empty: the program's."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    panels = [
        FieldPanel("name"),
        FieldPanel("code"),
        FieldPanel("description"),
        FieldPanel("reimbursement_percent"),
        FieldPanel("is_active"),
    ]
    override_translatable_fields = [
        SynchronizedField(name, overridable=False) for name in ("code", "reimbursement_percent", "is_active")
    ]

    class Meta(TranslatableMixin.Meta):
        verbose_name = _("MDF activity type")
        verbose_name_plural = _("MDF activity types")
        ordering = ["name"]

    def __str__(self):
        return self.name


class PeriodKind(models.TextChoices):
    QUARTER = "quarter", _("Quarter")
    HALF_YEAR = "half_year", _("Half-year")


class AllocationMethod(models.TextChoices):
    REVENUE_PERCENT = "revenue_percent", _("Percentage of won revenue in the prior period (tier's MDF %)")
    FIXED_PER_TIER = "fixed_per_tier", _("Fixed amount per tier")
    MANUAL = "manual", _("Manual, per organization")


class MdfProgramForm(MoneyAdminForm):
    """The budget and each tier's fixed allocation are in the program's currency."""

    money_fields = ("budget",)
    money_formset_fields = {"tier_terms": ("fixed_amount",)}


class MdfProgram(ClusterableModel):
    """One period's fund: budget, how it is shared out and what it pays for."""

    name = models.CharField(_("name"), max_length=120)
    period_kind = models.CharField(_("period"), max_length=10, choices=PeriodKind.choices, default=PeriodKind.QUARTER)
    starts_on = models.DateField(_("starts"))
    ends_on = models.DateField(_("ends"))
    budget = models.DecimalField(_("total budget"), **MONEY, validators=[MinValueValidator(Decimal("0"))])
    currency = models.CharField(_("currency"), max_length=3, default="USD", validators=[currency_validator])
    allocation_method = models.CharField(
        _("allocation method"), max_length=20, choices=AllocationMethod.choices, default=AllocationMethod.MANUAL
    )
    activity_types = ParentalManyToManyField(
        ActivityType, blank=True, related_name="+", verbose_name=_("eligible activity types")
    )
    reimbursement_percent = models.DecimalField(
        _("reimbursement (%)"),
        **PERCENT,
        default=Decimal("50"),
        help_text=_("Share of the planned cost MDF pays, unless the tier or activity type says otherwise."),
    )
    claim_deadline_days = models.PositiveSmallIntegerField(
        _("claim deadline (days after the activity ends)"), default=60
    )
    expire_unused = models.BooleanField(_("unused funds expire at period end"), default=True)
    is_active = models.BooleanField(_("active"), default=True)

    panels = [
        MultiFieldPanel(
            [
                FieldPanel("name"),
                FieldPanel("period_kind"),
                FieldPanel("starts_on"),
                FieldPanel("ends_on"),
                FieldPanel("is_active"),
            ],
            heading=_("Period"),
        ),
        MultiFieldPanel(
            [FieldPanel("budget"), FieldPanel("currency"), FieldPanel("allocation_method")], heading=_("Budget")
        ),
        InlinePanel("tier_terms", heading=_("Terms per tier"), label=_("tier terms")),
        MultiFieldPanel(
            [
                FieldPanel("activity_types"),
                FieldPanel("reimbursement_percent"),
                FieldPanel("claim_deadline_days"),
                FieldPanel("expire_unused"),
            ],
            heading=_("Activities and claims"),
        ),
    ]
    base_form_class = MdfProgramForm

    class Meta:
        verbose_name = _("MDF program")
        verbose_name_plural = _("MDF programs")
        ordering = ["-starts_on", "name"]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_on__gte=models.F("starts_on")), name="mdf_program_dates")
        ]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("The period cannot end before it starts.")})
        validate_money_fields(self, self.currency, "budget")


class ProgramTierTerms(models.Model):
    """What one tier gets from a program: a fixed allocation and/or its own
    reimbursement percentage."""

    program = ParentalKey(MdfProgram, on_delete=models.CASCADE, related_name="tier_terms")
    tier = models.ForeignKey("programs.Tier", verbose_name=_("tier"), on_delete=models.PROTECT, related_name="+")
    fixed_amount = models.DecimalField(
        _("fixed allocation"),
        **MONEY,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Used by the fixed-amount-per-tier method."),
    )
    reimbursement_percent = models.DecimalField(
        _("reimbursement (%)"), **PERCENT, null=True, blank=True, help_text=_("Empty: the program's percentage.")
    )

    panels = [FieldPanel("tier"), FieldPanel("fixed_amount"), FieldPanel("reimbursement_percent")]

    class Meta:
        verbose_name = _("tier terms")
        verbose_name_plural = _("tier terms")
        constraints = [models.UniqueConstraint(fields=["program", "tier"], name="mdf_tier_terms_once")]

    def __str__(self):
        return f"{self.program} / {self.tier}"


class Allocation(models.Model):
    """An organization's share of a program. It has no balance column: the
    balance is the sum of its ledger lines; the row is what requests lock."""

    program = models.ForeignKey(
        MdfProgram, verbose_name=_("program"), on_delete=models.PROTECT, related_name="allocations"
    )
    organization = models.ForeignKey(
        "programs.PartnerOrganization",
        verbose_name=_("organization"),
        on_delete=models.CASCADE,
        related_name="mdf_allocations",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expired_at = models.DateTimeField(_("expired"), null=True, blank=True)
    expiry_reminder_sent_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("MDF allocation")
        verbose_name_plural = _("MDF allocations")
        ordering = ["-program__starts_on", "organization__name"]
        constraints = [models.UniqueConstraint(fields=["program", "organization"], name="mdf_allocation_once")]
        indexes = [models.Index(fields=["organization", "program"])]

    def __str__(self):
        return f"{self.organization} – {self.program}"

    @property
    def currency(self) -> str:
        return self.program.currency


class LedgerKind(models.TextChoices):
    ALLOCATED = "allocated", _("Allocated")
    ADJUSTED = "adjusted", _("Adjusted")
    COMMITTED = "committed", _("Committed by an approved request")
    RELEASED = "released", _("Released")
    CLAIMED = "claimed", _("Claimed")
    PAID = "paid", _("Paid")
    EXPIRED = "expired", _("Expired")


class LedgerEntry(models.Model):
    """One immutable movement of an allocation's money.

    ``amount`` is positive except for adjustments, which may be negative.
    Available = allocated + adjusted − committed + released − expired;
    claimed and paid lines trace committed money to reimbursement."""

    allocation = models.ForeignKey(Allocation, on_delete=models.PROTECT, related_name="ledger")
    organization = models.ForeignKey(
        "programs.PartnerOrganization", verbose_name=_("organization"), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("movement"), max_length=10, choices=LedgerKind.choices)
    amount = models.DecimalField(_("amount"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3)
    request = models.ForeignKey(
        "FundRequest", verbose_name=_("request"), null=True, blank=True, on_delete=models.PROTECT, related_name="ledger"
    )
    claim = models.ForeignKey(
        "Claim", verbose_name=_("claim"), null=True, blank=True, on_delete=models.PROTECT, related_name="ledger"
    )
    reason = models.TextField(_("reason"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Empty when the system acted."),
    )
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("MDF ledger line")
        verbose_name_plural = _("MDF ledger lines")
        ordering = ["at", "pk"]
        indexes = [
            models.Index(fields=["allocation", "kind"]),
            models.Index(fields=["organization", "at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind="adjusted") | models.Q(amount__gt=0), name="mdf_ledger_amount_positive"
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.amount} {self.currency}"

    def save(self, *args, **kwargs):
        # The ledger is append-only: a correction is a new line, never an edit.
        if self.pk is not None:
            raise ValidationError(_("Ledger lines cannot be changed; record an adjustment instead."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("Ledger lines cannot be deleted; record an adjustment instead."))


class ReviewerKind(models.TextChoices):
    CAM = "cam", _("The organization's channel account manager")
    GROUP = "group", _("A staff group")


class ApprovalAction(models.TextChoices):
    AUTO_APPROVE = "approve", _("Approve automatically")
    REVIEW = "review", _("Route for review")


class ApprovalRuleForm(MoneyAdminForm):
    money_fields = ("min_amount", "max_amount")


class ApprovalRule(ClusterableModel):
    """One ordered pre-approval rule: the first active rule whose conditions
    all hold decides who reviews a request (or approves it at once).

    Without a matching rule a request goes to the organization's CAM, else
    to the Channel ops group."""

    name = models.CharField(_("name"), max_length=120)
    sort_order = models.PositiveIntegerField(_("order"), default=0, db_index=True)
    is_active = models.BooleanField(_("active"), default=True)

    min_amount = models.DecimalField(
        _("requested amount at least"), **MONEY, null=True, blank=True, validators=[MinValueValidator(Decimal("0"))]
    )
    max_amount = models.DecimalField(
        _("requested amount at most"), **MONEY, null=True, blank=True, validators=[MinValueValidator(Decimal("0"))]
    )
    currency = models.CharField(
        _("currency of the amounts"),
        max_length=3,
        blank=True,
        validators=[currency_validator],
        help_text=_("Required with an amount: the rule then only matches requests in this currency."),
    )
    activity_types = ParentalManyToManyField(
        ActivityType, blank=True, related_name="+", verbose_name=_("activity type is one of")
    )
    tiers = ParentalManyToManyField("programs.Tier", blank=True, related_name="+", verbose_name=_("tier is one of"))
    partner_types = ParentalManyToManyField(
        "programs.PartnerType", blank=True, related_name="+", verbose_name=_("partner type is one of")
    )
    regions = ParentalManyToManyField(
        "programs.Region", blank=True, related_name="+", verbose_name=_("region is one of")
    )

    action = models.CharField(_("action"), max_length=10, choices=ApprovalAction.choices, default=ApprovalAction.REVIEW)
    first_reviewer = models.CharField(
        _("first reviewer"), max_length=10, choices=ReviewerKind.choices, default=ReviewerKind.CAM
    )
    first_group = models.ForeignKey(
        "auth.Group",
        verbose_name=_("first reviewer group"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("When the first reviewer is a staff group."),
    )
    second_group = models.ForeignKey(
        "auth.Group",
        verbose_name=_("second approver group"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Approves after the first reviewer (e.g. Finance). Empty: one step."),
    )
    escalation_group = models.ForeignKey(
        "auth.Group",
        verbose_name=_("escalate to group"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Takes over a step waiting beyond the SLA. Empty: Channel ops."),
    )
    sla_hours = models.PositiveSmallIntegerField(_("review SLA (hours)"), default=48, validators=[MinValueValidator(1)])

    panels = [
        MultiFieldPanel([FieldPanel("name"), FieldPanel("is_active")], heading=_("Rule")),
        MultiFieldPanel(
            [
                FieldPanel("min_amount"),
                FieldPanel("max_amount"),
                FieldPanel("currency"),
                FieldPanel("activity_types"),
                FieldPanel("tiers"),
                FieldPanel("partner_types"),
                FieldPanel("regions"),
            ],
            heading=_("Conditions"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("action"),
                FieldPanel("first_reviewer"),
                FieldPanel("first_group"),
                FieldPanel("second_group"),
                FieldPanel("escalation_group"),
                FieldPanel("sla_hours"),
            ],
            heading=_("Action"),
        ),
    ]
    sort_order_field = "sort_order"
    base_form_class = ApprovalRuleForm

    class Meta:
        verbose_name = _("MDF approval rule")
        verbose_name_plural = _("MDF approval rules")
        ordering = ["sort_order", "pk"]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        errors = {}
        self.currency = (self.currency or "").strip().upper()
        if self.min_amount is not None and self.max_amount is not None and self.max_amount < self.min_amount:
            errors["max_amount"] = _("The upper amount cannot be below the lower one.")
        if (self.min_amount is not None or self.max_amount is not None) and not self.currency:
            errors["currency"] = _("Enter the currency of the amounts, such as USD or JPY.")
        elif self.currency:
            try:
                validate_money_fields(self, self.currency, "min_amount", "max_amount")
            except ValidationError as error:
                for name, messages in error.message_dict.items():
                    errors.setdefault(name, messages)
        if (
            self.action == ApprovalAction.REVIEW
            and self.first_reviewer == ReviewerKind.GROUP
            and not self.first_group_id
        ):
            errors["first_group"] = _("Choose the group that reviews first.")
        if errors:
            raise ValidationError(errors)


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    CHANGES_REQUESTED = "changes", _("Changes requested")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Cancelled")
    CLAIMED = "claimed", _("Claim submitted")
    CLOSED = "closed", _("Reimbursed")


class FundRequest(models.Model):
    """A partner's request for funds for one marketing activity."""

    organization = models.ForeignKey(
        "programs.PartnerOrganization",
        verbose_name=_("organization"),
        on_delete=models.CASCADE,
        related_name="mdf_requests",
    )
    allocation = models.ForeignKey(
        Allocation, verbose_name=_("allocation"), on_delete=models.PROTECT, related_name="requests"
    )
    activity_type = models.ForeignKey(
        ActivityType, verbose_name=_("activity type"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=160)
    description = models.TextField(_("description"))
    starts_on = models.DateField(_("activity starts"))
    ends_on = models.DateField(_("activity ends"))
    planned_cost = models.DecimalField(
        _("planned total cost"), **MONEY, validators=[MinValueValidator(Decimal("0.01"))]
    )
    requested_amount = models.DecimalField(
        _("requested amount"), **MONEY, validators=[MinValueValidator(Decimal("0.01"))]
    )
    currency = models.CharField(_("currency"), max_length=3)
    expected_leads = models.PositiveIntegerField(_("expected leads"), default=0)
    expected_pipeline = models.DecimalField(
        _("expected pipeline"), **MONEY, default=Decimal("0"), validators=[MinValueValidator(Decimal("0"))]
    )
    campaign = models.ForeignKey(
        "deals.Campaign",
        verbose_name=_("campaign"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    assets = models.TextField(_("co-branded assets used"), blank=True)

    status = models.CharField(_("status"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.PENDING)
    approval_rule = models.ForeignKey(
        ApprovalRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    review_step = models.PositiveSmallIntegerField(_("review step"), default=1)
    reviewer_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewer_group = models.ForeignKey(
        "auth.Group",
        verbose_name=_("reviewer group"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    waiting_since = models.DateTimeField(_("waiting since"), null=True, blank=True)
    escalated = models.BooleanField(_("escalated"), default=False)
    committed_amount = models.DecimalField(_("approved amount"), **MONEY, default=Decimal("0"))
    decision_reason = models.TextField(_("reason given to the partner"), blank=True)
    claim_deadline = models.DateField(_("claim by"), null=True, blank=True)

    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("MDF request")
        verbose_name_plural = _("MDF requests")
        ordering = ["-submitted_at", "-pk"]
        permissions = [("review_fundrequest", "Can review MDF requests and claims")]
        indexes = [
            models.Index(fields=["organization", "-submitted_at"], name="mdf_request_org_recent_idx"),
            models.Index(fields=["status", "waiting_since"], name="mdf_request_waiting_idx"),
            models.Index(fields=["status", "claim_deadline"], name="mdf_request_deadline_idx"),
        ]

    def __str__(self):
        return self.title

    def clean(self):
        super().clean()
        validate_money_fields(self, self.currency, "planned_cost", "requested_amount", "expected_pipeline")


class ClaimStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved, payable")
    REJECTED = "rejected", _("Rejected")
    PAID = "paid", _("Paid")


class Claim(models.Model):
    """What the activity cost, with proof, against an approved request."""

    organization = models.ForeignKey(
        "programs.PartnerOrganization",
        verbose_name=_("organization"),
        on_delete=models.CASCADE,
        related_name="mdf_claims",
    )
    request = models.OneToOneField(
        FundRequest, verbose_name=_("request"), on_delete=models.PROTECT, related_name="claim"
    )
    actual_cost = models.DecimalField(_("actual total cost"), **MONEY, validators=[MinValueValidator(Decimal("0.01"))])
    claimed_amount = models.DecimalField(_("amount claimed"), **MONEY, validators=[MinValueValidator(Decimal("0.01"))])
    currency = models.CharField(_("currency"), max_length=3)
    notes = models.TextField(_("notes"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=ClaimStatus.choices, default=ClaimStatus.SUBMITTED)
    approved_amount = models.DecimalField(_("approved amount"), **MONEY, null=True, blank=True)
    decision_reason = models.TextField(_("reason given to the partner"), blank=True)
    payment_reference = models.CharField(_("payment reference"), max_length=80, blank=True)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted"), default=timezone.now)

    class Meta:
        verbose_name = _("MDF claim")
        verbose_name_plural = _("MDF claims")
        ordering = ["-submitted_at", "-pk"]
        permissions = [("pay_claim", "Can record MDF reimbursement payments")]
        indexes = [models.Index(fields=["organization", "-submitted_at"], name="mdf_claim_org_recent_idx")]

    def __str__(self):
        return f"{self.request} ({self.get_status_display()})"

    def clean(self):
        super().clean()
        validate_money_fields(self, self.currency, "actual_cost", "claimed_amount", "approved_amount")


def proof_path(instance, filename):
    return f"mdf/proof/{instance.organization_id}/{secrets.token_hex(12)}.{instance.extension}"


class ProofOfPerformance(models.Model):
    """One uploaded proof file, stored outside the public media and served
    through a permission-checked view."""

    organization = models.ForeignKey(
        "programs.PartnerOrganization", verbose_name=_("organization"), on_delete=models.CASCADE, related_name="+"
    )
    claim = models.ForeignKey(Claim, verbose_name=_("claim"), on_delete=models.CASCADE, related_name="proofs")
    file = models.FileField(_("file"), upload_to=proof_path, storage=private_storage)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=100)
    extension = models.CharField(max_length=5)
    size = models.PositiveIntegerField(_("size"))
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    class Meta:
        verbose_name = _("proof of performance")
        verbose_name_plural = _("proofs of performance")
        ordering = ["uploaded_at", "pk"]

    def __str__(self):
        return self.original_name


class ActivityLead(models.Model):
    """A lead an activity generated; deals converted from it count for the activity."""

    request = models.ForeignKey(FundRequest, on_delete=models.CASCADE, related_name="activity_leads")
    lead = models.OneToOneField("deals.Lead", on_delete=models.CASCADE, related_name="mdf_activity")

    class Meta:
        verbose_name = _("activity lead")
        verbose_name_plural = _("activity leads")

    def __str__(self):
        return f"{self.request_id} → lead {self.lead_id}"


class ActivityDeal(models.Model):
    """A deal registration the partner attributed to an activity."""

    request = models.ForeignKey(FundRequest, on_delete=models.CASCADE, related_name="activity_deals")
    deal = models.OneToOneField("deals.DealRegistration", on_delete=models.CASCADE, related_name="mdf_activity")

    class Meta:
        verbose_name = _("activity deal")
        verbose_name_plural = _("activity deals")

    def __str__(self):
        return f"{self.request_id} → deal {self.deal_id}"


class ActivityAttribution(models.Model):
    """What the registrations attributed to an activity add up to (``mdf.roi``'s
    rules: linked to it, or converted from one of its leads and linked to no
    activity; in the activity's currency; not rejected): how many, their
    pipeline and the won revenue of the won ones. Recomputed from the
    registrations whenever a registration, a link or a lead changes
    (``mdf.services.attribution``), so the ROI figures add up one row per
    activity instead of looking up every attributed registration. No row: none
    attributed."""

    request = models.OneToOneField(FundRequest, primary_key=True, on_delete=models.CASCADE, related_name="+")
    registrations = models.PositiveIntegerField(default=0)
    pipeline = models.DecimalField(max_digits=20, decimal_places=3, default=0)
    #: None when none of them is won with a final amount (the report then shows 0, not 0.000)
    won_revenue = models.DecimalField(max_digits=20, decimal_places=3, null=True)

    wagtail_reference_index_ignore = True

    def __str__(self):
        return f"{self.request_id}: {self.registrations} registrations"


class MdfEventKind(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    ROUTED = "routed", _("Routed for review")
    APPROVED_STEP = "step_approved", _("Approved by the first reviewer")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    CHANGES_REQUESTED = "changes", _("Changes requested")
    RESUBMITTED = "resubmitted", _("Changed and resubmitted")
    CANCELLED = "cancelled", _("Cancelled")
    ESCALATED = "escalated", _("Escalated after the review SLA")
    CLAIM_SUBMITTED = "claim_submitted", _("Claim submitted")
    CLAIM_APPROVED = "claim_approved", _("Claim approved")
    CLAIM_REJECTED = "claim_rejected", _("Claim rejected")
    PAID = "paid", _("Reimbursement paid")
    DEADLINE_EXTENDED = "deadline", _("Claim deadline extended")
    LEADS_IMPORTED = "leads", _("Leads imported")
    REMINDER = "reminder", _("Claim deadline reminder sent")
    DEAL_LINKED = "deal_linked", _("Registration linked")
    DEAL_MOVED = "deal_moved", _("Registration moved to another activity")


class MdfEvent(StatusEvent):
    """One entry of a request's audit trail (its claim's steps included)."""

    organization = models.ForeignKey(
        "programs.PartnerOrganization", verbose_name=_("organization"), on_delete=models.CASCADE, related_name="+"
    )
    request = models.ForeignKey(FundRequest, on_delete=models.CASCADE, related_name="events")
    claim = models.ForeignKey(Claim, null=True, blank=True, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("event"), max_length=20, choices=MdfEventKind.choices)
    partner_note = models.TextField(_("note shown to the partner"), blank=True)

    class Meta(StatusEvent.Meta):
        verbose_name = _("MDF event")
        verbose_name_plural = _("MDF events")
        indexes = [models.Index(fields=["request", "at"], name="mdf_event_timeline_idx")]

    def __str__(self):
        return f"{self.request_id} {self.kind} at {self.at:%Y-%m-%d %H:%M}"
