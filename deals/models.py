"""Deal registrations, their audit trail, protection claims and routing rules;
vendor leads, their offers, audit trail, campaigns and distribution rules.

Rows are written by ``deals.services`` only: every status change or edit
records a ``DealEvent`` in the same transaction.
"""

import secrets
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import UserObjectPermissionBase
from modelcluster.fields import ParentalManyToManyField
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting

from programs.audit import StatusEvent
from programs.files import private_storage
from programs.validators import validate_money_precision

from .reference import COUNTRIES, CURRENCIES
from .validators import validate_attachment

#: Three decimals: KWD, BHD and other currencies with 3-digit minor units are
#: stored exactly; each amount is checked against its currency's minor unit.
MONEY = {"max_digits": 15, "decimal_places": 3}


def validate_currency(value: str) -> None:
    if value not in CURRENCIES:
        raise ValidationError(
            _("%(value)s is not an ISO 4217 currency code."), code="currency", params={"value": value}
        )


def validate_country(value: str) -> None:
    if value not in COUNTRIES:
        raise ValidationError(_("%(value)s is not an ISO 3166 country code."), code="country", params={"value": value})


class DealStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    UNDER_REVIEW = "under_review", _("Under review")
    MORE_INFO_REQUESTED = "more_info", _("More information requested")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    EXPIRED = "expired", _("Expired")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")
    #: Reported by the partner, counted for nothing until a vendor user or the CRM confirms it.
    REPORTED_WON = "reported_won", _("Won — awaiting confirmation")
    REPORTED_LOST = "reported_lost", _("Lost — awaiting confirmation")


#: Outcomes a partner reported that wait for a vendor user or the CRM.
REPORTED_STATUSES = (DealStatus.REPORTED_WON, DealStatus.REPORTED_LOST)

#: Registrations that still compete for a customer.
ACTIVE_STATUSES = (
    DealStatus.SUBMITTED,
    DealStatus.UNDER_REVIEW,
    DealStatus.MORE_INFO_REQUESTED,
    DealStatus.APPROVED,
)


class DealStage(models.TextChoices):
    QUALIFIED = "qualified", _("Qualified")
    PROPOSAL = "proposal", _("Proposal")
    NEGOTIATION = "negotiation", _("Negotiation")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


class ExtensionStatus(models.TextChoices):
    NONE = "", _("Not requested")
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


def attachment_filename(deal) -> str:
    """What a downloaded attachment is called (stored names are random)."""
    extension = deal.attachment.name.rsplit(".", 1)[-1] if "." in deal.attachment.name else "bin"
    return f"deal-{deal.pk}-attachment.{extension}"


def deal_attachment_path(instance, filename):
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"deals/attachments/{instance.organization_id}/{secrets.token_hex(12)}.{extension}"


class DealRegistration(models.Model):
    """A partner's claim on an opportunity with an end customer."""

    organization = models.ForeignKey(
        "programs.PartnerOrganization", on_delete=models.CASCADE, related_name="deal_registrations"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    idempotency_key = models.CharField(max_length=64, editable=False)

    company_name = models.CharField(_("end customer company"), max_length=200)
    normalized_name = models.CharField(max_length=200, editable=False)
    domain = models.CharField(
        _("website or e-mail domain"), max_length=253, blank=True, help_text=_("For example acme.com.")
    )
    country = models.CharField(_("country (ISO code)"), max_length=2, validators=[validate_country])
    contact_name = models.CharField(_("contact name"), max_length=120)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    product_lines = models.ManyToManyField(
        "programs.ProductLine", through="DealProductLine", related_name="deal_registrations"
    )
    estimated_value = models.DecimalField(
        _("estimated value"), **MONEY, validators=[MinValueValidator(Decimal("0.01"))]
    )
    currency = models.CharField(_("currency"), max_length=3, validators=[validate_currency])
    expected_close_date = models.DateField(_("expected close date"))
    stage = models.CharField(_("stage"), max_length=12, choices=DealStage.choices, default=DealStage.QUALIFIED)
    competitive_situation = models.TextField(_("competitive situation"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    attachment = models.FileField(
        _("attachment"),
        upload_to=deal_attachment_path,
        storage=private_storage,
        blank=True,
        validators=[validate_attachment],
    )

    status = models.CharField(_("status"), max_length=16, choices=DealStatus.choices, default=DealStatus.SUBMITTED)
    has_conflict = models.BooleanField(_("possible conflict"), default=False)
    queue = models.CharField(_("review queue"), max_length=60, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_deal_registrations",
    )
    routing_rule = models.ForeignKey(
        "RoutingRule", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    decision_reason = models.TextField(_("reason given to the partner"), blank=True)

    submitted_at = models.DateTimeField(_("submitted"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    protected_until = models.DateTimeField(_("protected until"), null=True, blank=True)

    extension_status = models.CharField(
        _("extension"), max_length=10, choices=ExtensionStatus.choices, default=ExtensionStatus.NONE, blank=True
    )
    extension_reason = models.TextField(_("extension reason"), blank=True)

    final_amount = models.DecimalField(
        _("final amount"), **MONEY, null=True, blank=True, validators=[MinValueValidator(Decimal("0"))]
    )
    closed_on = models.DateField(_("close date"), null=True, blank=True)
    #: The won amount in the program currency, with the rate used, recorded
    #: when the outcome is confirmed: what tier evaluation sums. Empty for a
    #: won deal in another currency without a rate (listed for channel ops).
    program_amount = models.DecimalField(_("amount in program currency"), **MONEY, null=True, blank=True)
    program_currency = models.CharField(_("program currency"), max_length=3, blank=True)
    exchange_rate = models.DecimalField(_("exchange rate used"), max_digits=18, decimal_places=8, null=True, blank=True)
    exchange_rate_date = models.DateField(_("rate valid from"), null=True, blank=True)

    source_lead = models.OneToOneField(
        "Lead",
        verbose_name=_("converted from lead"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deal",
        editable=False,
    )
    campaign = models.ForeignKey(
        "Campaign",
        verbose_name=_("source campaign"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deal_registrations",
        editable=False,
        help_text=_("Kept from the lead the registration was converted from, for attribution."),
    )

    class Meta:
        verbose_name = _("deal registration")
        verbose_name_plural = _("deal registrations")
        ordering = ["-submitted_at", "-pk"]
        permissions = [("confirm_deal_outcome", "Can confirm or reject deal outcomes reported by partners")]
        indexes = [
            models.Index(fields=["organization", "-submitted_at"], name="deal_org_recent_idx"),
            models.Index(fields=["organization", "status"], name="deal_org_status_idx"),
            # With the organization: the CAM portfolio counts protections expiring per partner from the index alone.
            models.Index(
                fields=["status", "protected_until"], include=["organization"], name="deal_status_protection_idx"
            ),
            models.Index(fields=["status", "queue"], name="deal_review_queue_idx"),
            # Registrations waiting for review per partner (the CAM portfolio's first alert), index only.
            models.Index(
                fields=["organization"],
                condition=models.Q(status__in=["submitted", "under_review"]),
                name="deal_waiting_org_idx",
            ),
            # The trigram index on normalized_name is PostgreSQL-only: migration 0002.
            models.Index(
                fields=["domain"],
                condition=models.Q(status__in=["submitted", "under_review", "more_info", "approved"]),
                name="deal_active_domain_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["organization", "idempotency_key"], name="deal_idempotency_per_org"),
            models.CheckConstraint(condition=models.Q(estimated_value__gt=0), name="deal_value_positive"),
        ]

    def __str__(self):
        return f"{self.company_name} ({self.organization})"

    def clean(self):
        super().clean()
        errors = {}
        for name in ("estimated_value", "final_amount"):
            try:
                validate_money_precision(getattr(self, name), self.currency)
            except ValidationError as error:
                errors[name] = error.messages
        if errors:
            raise ValidationError(errors)

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def outcome_reported(self) -> bool:
        """Won or lost as the partner said, not yet confirmed."""
        return self.status in REPORTED_STATUSES

    def counts_in(self, currency: str) -> bool:
        """Whether a confirmed win counts toward tiers kept in ``currency``: won
        in it, or converted to it when confirmed (see deals.selectors)."""
        return self.status == DealStatus.WON and (
            self.currency == currency or (self.program_currency == currency and self.program_amount is not None)
        )

    @property
    def partner_status_text(self) -> str:
        """What the partner is told; never names the other partner of a conflict."""
        if self.status in (DealStatus.SUBMITTED, DealStatus.UNDER_REVIEW) and self.has_conflict:
            return str(_("Under review: possible conflict"))
        return str(self.get_status_display())


class DealProductLine(models.Model):
    deal = models.ForeignKey(DealRegistration, on_delete=models.CASCADE, related_name="lines")
    product_line = models.ForeignKey("programs.ProductLine", on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("quantity"), default=1)

    class Meta:
        verbose_name = _("deal product line")
        verbose_name_plural = _("deal product lines")
        constraints = [models.UniqueConstraint(fields=["deal", "product_line"], name="deal_product_line_once")]

    def __str__(self):
        return f"{self.product_line} × {self.quantity}"


class DealClaim(models.Model):
    """Protection held by an approved registration, one row per customer key
    and product line. The unique constraint is what makes two approvals of
    the same opportunity impossible, whatever the timing."""

    key = models.CharField(max_length=300)
    product_line = models.ForeignKey("programs.ProductLine", on_delete=models.CASCADE, related_name="+")
    deal = models.ForeignKey(DealRegistration, on_delete=models.CASCADE, related_name="claims")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("deal protection claim")
        verbose_name_plural = _("deal protection claims")
        constraints = [models.UniqueConstraint(fields=["key", "product_line"], name="deal_claim_unique_key")]

    def __str__(self):
        return f"{self.key} / {self.product_line_id} → deal {self.deal_id}"


class DealConflict(models.Model):
    """A match found by the conflict check, with its explanation (staff only)."""

    deal = models.ForeignKey(DealRegistration, on_delete=models.CASCADE, related_name="conflicts")
    other = models.ForeignKey(DealRegistration, on_delete=models.CASCADE, related_name="+")
    score = models.DecimalField(max_digits=4, decimal_places=2)
    explanation = models.CharField(max_length=300)
    detected_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("deal conflict")
        verbose_name_plural = _("deal conflicts")
        ordering = ["-score"]
        constraints = [models.UniqueConstraint(fields=["deal", "other"], name="deal_conflict_once")]

    def __str__(self):
        return f"{self.deal_id} ~ {self.other_id}: {self.explanation}"


class DealEventKind(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    CONFLICT = "conflict", _("Possible conflict detected")
    ROUTED = "routed", _("Routed for review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    MORE_INFO = "more_info", _("More information requested")
    INFO_PROVIDED = "info_provided", _("Information provided")
    EDITED = "edited", _("Edited")
    STAGE = "stage", _("Stage updated")
    EXTENSION_REQUESTED = "extension_requested", _("Extension requested")
    EXTENSION_APPROVED = "extension_approved", _("Extension approved")
    EXTENSION_REJECTED = "extension_rejected", _("Extension declined")
    EXPIRED = "expired", _("Protection expired")
    REMINDER = "reminder", _("Expiry reminder sent")
    OUTCOME_REPORTED = "outcome_reported", _("Outcome reported, awaiting confirmation")
    OUTCOME_CONFIRMED = "outcome_confirmed", _("Outcome confirmed")
    OUTCOME_REJECTED = "outcome_rejected", _("Reported outcome not confirmed")
    CONVERTED = "converted", _("Converted to the program currency")
    REOPENED = "reopened", _("Reopened")


class DealEvent(StatusEvent):
    """One entry of a registration's audit trail."""

    deal = models.ForeignKey(DealRegistration, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("event"), max_length=20, choices=DealEventKind.choices)
    partner_note = models.TextField(_("note shown to the partner"), blank=True)

    class Meta(StatusEvent.Meta):
        verbose_name = _("deal event")
        verbose_name_plural = _("deal events")
        indexes = [models.Index(fields=["deal", "at"], name="deal_event_timeline_idx")]

    def __str__(self):
        return f"{self.deal_id} {self.kind} at {self.at:%Y-%m-%d %H:%M}"


class DealReminder(models.Model):
    """An expiry reminder already sent, so the nightly run never sends it twice."""

    deal = models.ForeignKey(DealRegistration, on_delete=models.CASCADE, related_name="reminders")
    days_before = models.PositiveSmallIntegerField()
    protected_until = models.DateTimeField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("deal expiry reminder")
        verbose_name_plural = _("deal expiry reminders")
        constraints = [
            models.UniqueConstraint(fields=["deal", "days_before", "protected_until"], name="deal_reminder_once")
        ]

    def __str__(self):
        return f"{self.deal_id}: {self.days_before} days before {self.protected_until:%Y-%m-%d}"


@register_setting(icon="tasks")
class DealProgramSettings(BaseGenericSetting):
    """Deal registration rules channel ops can change without a deploy."""

    similarity_threshold = models.DecimalField(
        _("name similarity threshold"),
        max_digits=3,
        decimal_places=2,
        default=Decimal("0.60"),
        validators=[MinValueValidator(Decimal("0.10")), MaxValueValidator(Decimal("1.00"))],
        help_text=_("Names at least this similar (0.10–1.00) in the same country are a possible conflict."),
    )
    default_protection_days = models.PositiveSmallIntegerField(
        _("protection (days) for partners without a tier"), default=90, validators=[MinValueValidator(1)]
    )
    extension_days = models.PositiveSmallIntegerField(
        _("extension (days)"), default=30, validators=[MinValueValidator(1)]
    )
    lead_sla_hours = models.PositiveSmallIntegerField(
        _("lead response time (hours)"),
        default=48,
        validators=[MinValueValidator(1)],
        help_text=_("A partner who neither accepts nor declines an offered lead within this time loses it."),
    )
    auto_confirm_wins_below = models.DecimalField(
        _("confirm reported wins automatically below"),
        **MONEY,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_(
            "Wins a partner reports under this amount count at once; larger ones wait for a vendor user or the "
            "CRM. Empty: every reported win waits."
        ),
    )
    auto_confirm_currency = models.CharField(
        _("currency of that amount"),
        max_length=3,
        blank=True,
        validators=[validate_currency],
        help_text=_("Only wins reported in this currency are confirmed automatically."),
    )

    def clean(self):
        super().clean()
        if self.auto_confirm_wins_below is not None:
            if not self.auto_confirm_currency:
                raise ValidationError({"auto_confirm_currency": _("Say which currency the amount is in.")})
            try:
                validate_money_precision(self.auto_confirm_wins_below, self.auto_confirm_currency)
            except ValidationError as error:
                raise ValidationError({"auto_confirm_wins_below": error.messages}) from error

    class Meta:
        verbose_name = _("deal registration settings")
        verbose_name_plural = _("deal registration settings")


class RoutingAction(models.TextChoices):
    AUTO_APPROVE = "approve", _("Approve automatically")
    ROUTE_TO_CAM = "cam", _("Route to the organization's channel account manager")
    ROUTE_TO_QUEUE = "queue", _("Route to a named review queue")
    REJECT = "reject", _("Reject with a reason")


class RoutingRule(ClusterableModel):
    """One ordered rule deciding what happens to a new registration.

    Every condition that is set must hold; the first active rule that matches
    wins. Without a matching rule the registration goes to the review queue.
    """

    name = models.CharField(_("name"), max_length=120)
    sort_order = models.PositiveIntegerField(_("order"), default=0, db_index=True)
    is_active = models.BooleanField(_("active"), default=True)

    require_no_conflict = models.BooleanField(_("only without a possible conflict"), default=True)
    max_value = models.DecimalField(
        _("estimated value below"), **MONEY, null=True, blank=True, validators=[MinValueValidator(Decimal("0"))]
    )
    max_value_currency = models.CharField(
        _("in currency"),
        max_length=3,
        blank=True,
        validators=[validate_currency],
        help_text=_("Registrations in another currency do not match a value condition."),
    )
    tiers = ParentalManyToManyField(
        "programs.Tier", blank=True, related_name="+", verbose_name=_("partner tier is one of")
    )
    require_certified = models.BooleanField(
        _("partner certified for every product line"),
        default=False,
        help_text=_("Someone in the organization holds a current certification for each product line."),
    )
    countries = models.CharField(
        _("customer country is one of"), max_length=300, blank=True, help_text=_("ISO codes, e.g. US, CA. Empty: any.")
    )

    action = models.CharField(_("action"), max_length=10, choices=RoutingAction.choices)
    queue_name = models.CharField(_("queue"), max_length=60, blank=True)
    reason = models.TextField(_("reason shown to the partner"), blank=True)

    panels = [
        MultiFieldPanel([FieldPanel("name"), FieldPanel("is_active")], heading=_("Rule")),
        MultiFieldPanel(
            [
                FieldPanel("require_no_conflict"),
                FieldPanel("max_value"),
                FieldPanel("max_value_currency"),
                FieldPanel("tiers"),
                FieldPanel("require_certified"),
                FieldPanel("countries"),
            ],
            heading=_("Conditions"),
        ),
        MultiFieldPanel([FieldPanel("action"), FieldPanel("queue_name"), FieldPanel("reason")], heading=_("Action")),
    ]

    sort_order_field = "sort_order"

    class Meta:
        verbose_name = _("deal routing rule")
        verbose_name_plural = _("deal routing rules")
        ordering = ["sort_order", "pk"]

    def __str__(self):
        return self.name

    @property
    def country_codes(self) -> set[str]:
        return {code.strip().upper() for code in self.countries.replace(";", ",").split(",") if code.strip()}

    def clean(self):
        super().clean()
        errors = {}
        if (self.max_value is None) != (not self.max_value_currency):
            errors["max_value_currency"] = _("Give both the value and its currency, or neither.")
        unknown = sorted(code for code in self.country_codes if code not in COUNTRIES)
        if unknown:
            errors["countries"] = _("Unknown country codes: %(codes)s.") % {"codes": ", ".join(unknown)}
        if self.action == RoutingAction.ROUTE_TO_QUEUE and not self.queue_name:
            errors["queue_name"] = _("Name the queue to route to.")
        if self.action == RoutingAction.REJECT and not self.reason.strip():
            errors["reason"] = _("Give the partner a reason for the rejection.")
        if errors:
            raise ValidationError(errors)


class DealUserObjectPermission(UserObjectPermissionBase):
    """A registration shared beyond its organization (a co-selling partner's
    user), as a django-guardian direct foreign-key grant; read by
    programs.tenancy.scoped through ``DealRegistration.sharing_permission_model``."""

    content_object = models.ForeignKey(DealRegistration, on_delete=models.CASCADE, related_name="user_grants")

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = _("deal registration grant")
        verbose_name_plural = _("deal registration grants")


DealRegistration.sharing_permission_model = DealUserObjectPermission


# Leads ----------------------------------------------------------------------


class Campaign(models.Model):
    """A marketing campaign leads come from; deals converted from its leads
    keep it for attribution."""

    name = models.CharField(_("name"), max_length=160)
    code = models.SlugField(_("code"), max_length=60, unique=True, help_text=_("Used in lead imports and the API."))
    description = models.TextField(_("description"), blank=True)
    starts_on = models.DateField(_("starts"), null=True, blank=True)
    ends_on = models.DateField(_("ends"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    panels = [
        FieldPanel("name"),
        FieldPanel("code"),
        FieldPanel("description"),
        MultiFieldPanel([FieldPanel("starts_on"), FieldPanel("ends_on")], heading=_("Dates")),
        FieldPanel("is_active"),
    ]

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("The campaign cannot end before it starts.")})


class LeadSource(models.TextChoices):
    CAMPAIGN = "campaign", _("Campaign")
    WEBSITE = "website", _("Website")
    IMPORT = "import", _("CSV import")
    API = "api", _("API")
    MANUAL = "manual", _("Entered by hand")


class LeadStatus(models.TextChoices):
    NEW = "new", _("New (not assigned)")
    OFFERED = "offered", _("Offered to a partner")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    EXPIRED = "expired", _("Not answered in time")
    CONVERTED = "converted", _("Converted to a deal")


class Lead(models.Model):
    """A vendor lead offered to one partner organization at a time.

    ``organization`` is the organization the lead is currently offered to or
    accepted by; a partner loses sight of a lead once it moves on. Rows are
    written by ``deals.services.leads`` only, each change with a ``LeadEvent``.
    """

    organization = models.ForeignKey(
        "programs.PartnerOrganization",
        verbose_name=_("assigned organization"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
    )
    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), null=True, blank=True, on_delete=models.SET_NULL, related_name="leads"
    )
    source = models.CharField(_("source"), max_length=10, choices=LeadSource.choices, default=LeadSource.CAMPAIGN)

    company_name = models.CharField(_("company"), max_length=200)
    domain = models.CharField(_("website or e-mail domain"), max_length=253, blank=True)
    country = models.CharField(_("country (ISO code)"), max_length=2, validators=[validate_country])
    contact_name = models.CharField(_("contact name"), max_length=120, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    product_lines = models.ManyToManyField(
        "programs.ProductLine", blank=True, related_name="leads", verbose_name=_("product lines")
    )
    estimated_value = models.DecimalField(
        _("estimated value"), **MONEY, null=True, blank=True, validators=[MinValueValidator(Decimal("0.01"))]
    )
    currency = models.CharField(_("currency"), max_length=3, blank=True, validators=[validate_currency])
    notes = models.TextField(_("notes"), blank=True)

    status = models.CharField(_("status"), max_length=10, choices=LeadStatus.choices, default=LeadStatus.NEW)
    distribution_rule = models.ForeignKey(
        "LeadDistributionRule", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    offered_at = models.DateTimeField(_("offered"), null=True, blank=True)
    respond_by = models.DateTimeField(_("answer due by"), null=True, blank=True)
    decline_reason = models.TextField(_("last decline reason"), blank=True)
    #: Sent by integrations (the API's Idempotency-Key header) so a retried create stores one lead.
    idempotency_key = models.CharField(max_length=64, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["organization", "status"], name="lead_org_status_idx"),
            models.Index(fields=["organization", "-created_at"], name="lead_org_recent_idx"),
            models.Index(fields=["status", "respond_by"], name="lead_status_due_idx"),
            models.Index(fields=["organization", "updated_at"], name="lead_org_updated_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(estimated_value__isnull=True) | models.Q(estimated_value__gt=0),
                name="lead_value_positive",
            ),
            models.UniqueConstraint(
                fields=["idempotency_key"], condition=~models.Q(idempotency_key=""), name="lead_idempotency_key"
            ),
        ]

    def __str__(self):
        return self.company_name

    def clean(self):
        super().clean()
        if (self.estimated_value is None) != (not self.currency):
            raise ValidationError({"currency": _("Give both the estimated value and its currency, or neither.")})
        try:
            validate_money_precision(self.estimated_value, self.currency)
        except ValidationError as error:
            raise ValidationError({"estimated_value": error.messages}) from error

    @property
    def is_open_offer(self) -> bool:
        return self.status == LeadStatus.OFFERED and self.respond_by is not None and self.respond_by > timezone.now()


class LeadOfferOutcome(models.TextChoices):
    PENDING = "pending", _("Awaiting an answer")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    LAPSED = "lapsed", _("Not answered in time")
    WITHDRAWN = "withdrawn", _("Withdrawn by channel operations")


class LeadOffer(models.Model):
    """One offer of a lead to one organization; an organization that declined
    or let an offer lapse is never offered the same lead again."""

    organization = models.ForeignKey(
        "programs.PartnerOrganization", on_delete=models.CASCADE, related_name="lead_offers"
    )
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="offers")
    rule = models.ForeignKey(
        "LeadDistributionRule", null=True, blank=True, on_delete=models.SET_NULL, related_name="offers"
    )
    offered_at = models.DateTimeField(default=timezone.now)
    respond_by = models.DateTimeField()
    outcome = models.CharField(max_length=10, choices=LeadOfferOutcome.choices, default=LeadOfferOutcome.PENDING)
    answered_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True)

    class Meta:
        verbose_name = _("lead offer")
        verbose_name_plural = _("lead offers")
        ordering = ["offered_at", "pk"]
        indexes = [models.Index(fields=["organization", "offered_at"], name="lead_offer_org_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["lead"], condition=models.Q(outcome="pending"), name="lead_one_pending_offer"
            )
        ]

    def __str__(self):
        return f"{self.lead_id} → {self.organization_id}: {self.outcome}"


class LeadEventKind(models.TextChoices):
    CREATED = "created", _("Created")
    OFFERED = "offered", _("Offered")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    LAPSED = "lapsed", _("Not answered in time")
    UNASSIGNED = "unassigned", _("No partner left to offer it to")
    CONVERTED = "converted", _("Converted to a deal registration")


class LeadEvent(StatusEvent):
    """One entry of a lead's audit trail, with the organization it concerned."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="events")
    organization = models.ForeignKey(
        "programs.PartnerOrganization",
        verbose_name=_("organization"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    kind = models.CharField(_("event"), max_length=12, choices=LeadEventKind.choices)

    class Meta(StatusEvent.Meta):
        verbose_name = _("lead event")
        verbose_name_plural = _("lead events")
        indexes = [models.Index(fields=["lead", "at"], name="lead_event_timeline_idx")]

    def __str__(self):
        return f"{self.lead_id} {self.kind} at {self.at:%Y-%m-%d %H:%M}"


class DistributionAction(models.TextChoices):
    ROUND_ROBIN = "round_robin", _("Round-robin among matching active organizations")
    ORGANIZATION = "organization", _("Offer to a named organization")


class LeadDistributionRule(ClusterableModel):
    """One ordered rule deciding which partner a lead is offered to.

    The first active rule whose lead conditions hold and that finds an
    organization (never one that already declined or let the lead lapse)
    wins. Without one the lead waits for channel ops to assign it by hand.
    """

    name = models.CharField(_("name"), max_length=120)
    sort_order = models.PositiveIntegerField(_("order"), default=0, db_index=True)
    is_active = models.BooleanField(_("active"), default=True)

    countries = models.CharField(
        _("lead country is one of"), max_length=300, blank=True, help_text=_("ISO codes, e.g. US, CA. Empty: any.")
    )
    product_lines = ParentalManyToManyField(
        "programs.ProductLine", blank=True, related_name="+", verbose_name=_("lead names one of these product lines")
    )
    regions = ParentalManyToManyField(
        "programs.Region", blank=True, related_name="+", verbose_name=_("partner region is one of")
    )
    partner_types = ParentalManyToManyField(
        "programs.PartnerType", blank=True, related_name="+", verbose_name=_("partner type is one of")
    )
    tiers = ParentalManyToManyField(
        "programs.Tier", blank=True, related_name="+", verbose_name=_("partner tier is one of")
    )

    action = models.CharField(
        _("action"), max_length=12, choices=DistributionAction.choices, default=DistributionAction.ROUND_ROBIN
    )
    organization = models.ForeignKey(
        "programs.PartnerOrganization",
        verbose_name=_("named organization"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    #: The organization that received the rule's last round-robin offer.
    last_organization_id = models.PositiveIntegerField(null=True, blank=True, editable=False)

    panels = [
        MultiFieldPanel([FieldPanel("name"), FieldPanel("is_active")], heading=_("Rule")),
        MultiFieldPanel(
            [
                FieldPanel("countries"),
                FieldPanel("product_lines"),
                FieldPanel("regions"),
                FieldPanel("partner_types"),
                FieldPanel("tiers"),
            ],
            heading=_("Conditions"),
        ),
        MultiFieldPanel([FieldPanel("action"), FieldPanel("organization")], heading=_("Action")),
    ]

    sort_order_field = "sort_order"

    class Meta:
        verbose_name = _("lead distribution rule")
        verbose_name_plural = _("lead distribution rules")
        ordering = ["sort_order", "pk"]

    def __str__(self):
        return self.name

    @property
    def country_codes(self) -> set[str]:
        return {code.strip().upper() for code in self.countries.replace(";", ",").split(",") if code.strip()}

    def clean(self):
        super().clean()
        errors = {}
        unknown = sorted(code for code in self.country_codes if code not in COUNTRIES)
        if unknown:
            errors["countries"] = _("Unknown country codes: %(codes)s.") % {"codes": ", ".join(unknown)}
        if self.action == DistributionAction.ORGANIZATION and not self.organization_id:
            errors["organization"] = _("Choose the organization to offer the leads to.")
        if errors:
            raise ValidationError(errors)
