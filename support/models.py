"""Partner support cases, their conversation, attachments and audit trail;
the SLA configuration (targets, business hours, holidays); and the
notification centre (notifications and per-user delivery preferences).

Rows change through ``support.services`` only: every state change of a case
records a ``CaseEvent`` (who, when, before/after) in the same transaction.
"""

import secrets
import zoneinfo
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import UserObjectPermissionBase
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting
from wagtail.models import TranslatableMixin
from wagtail_localize.fields import SynchronizedField

from deals.models import StatusEvent
from deals.validators import validate_attachment
from programs.files import private_storage


class CaseCategory(TranslatableMixin, models.Model):
    """Technical, deal registration, MDF, incentives, portal access…: edited by channel ops."""

    name = models.CharField(_("name"), max_length=80)
    code = models.SlugField(_("code"), max_length=40, help_text=_("Stable identifier used in reports."))
    is_active = models.BooleanField(_("offered to partners"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    panels = [FieldPanel("name"), FieldPanel("code"), FieldPanel("is_active"), FieldPanel("sort_order")]
    override_translatable_fields = [
        SynchronizedField(name, overridable=False) for name in ("code", "is_active", "sort_order")
    ]

    class Meta(TranslatableMixin.Meta):
        verbose_name = _("case category")
        verbose_name_plural = _("case categories")
        ordering = ["sort_order", "name"]

    def __str__(self):
        return self.name


class CasePriority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class CaseStatus(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", _("Open")
    WAITING_ON_PARTNER = "waiting", _("Waiting on partner")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


#: Cases still being worked on (their SLA clock can run).
ACTIVE_CASE_STATUSES = (CaseStatus.NEW, CaseStatus.OPEN, CaseStatus.WAITING_ON_PARTNER)


class EscalationLevel(models.IntegerChoices):
    NONE = 0, _("Not escalated")
    CAM = 1, _("Escalated to the channel account manager")
    GROUP = 2, _("Escalated to the escalation group")


working_days_validator = RegexValidator(
    r"^[1-7]{1,7}$", _("Enter weekday numbers without separators, 1 = Monday … 7 = Sunday (e.g. 12345).")
)


@register_setting(icon="help")
class SupportSettings(BaseGenericSetting):
    """Support rules channel ops change without a deploy."""

    reopen_window_days = models.PositiveSmallIntegerField(
        _("partners may reopen a resolved case for (days)"), default=14, validators=[MaxValueValidator(365)]
    )
    business_time_zone = models.CharField(
        _("business hours time zone"), max_length=64, default="Europe/London", help_text=_("For example Europe/Paris.")
    )
    business_day_start = models.TimeField(_("working day starts"), default="09:00")
    business_day_end = models.TimeField(_("working day ends"), default="17:00")
    working_days = models.CharField(
        _("working days"),
        max_length=7,
        default="12345",
        validators=[working_days_validator],
        help_text=_("Weekday numbers, 1 = Monday … 7 = Sunday."),
    )
    escalation_group = models.ForeignKey(
        "auth.Group",
        verbose_name=_("escalation group"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Told when a breached case is still breached after the CAM was alerted."),
    )
    group_escalation_after_hours = models.PositiveSmallIntegerField(
        _("escalate to the group after (hours at CAM level)"), default=4, validators=[MinValueValidator(1)]
    )

    panels = [
        FieldPanel("reopen_window_days"),
        MultiFieldPanel(
            [
                FieldPanel("business_time_zone"),
                FieldPanel("business_day_start"),
                FieldPanel("business_day_end"),
                FieldPanel("working_days"),
            ],
            heading=_("Business hours"),
        ),
        MultiFieldPanel(
            [FieldPanel("escalation_group"), FieldPanel("group_escalation_after_hours")], heading=_("Escalation")
        ),
    ]

    class Meta:
        verbose_name = _("support settings")
        verbose_name_plural = _("support settings")

    def clean(self):
        super().clean()
        try:
            zoneinfo.ZoneInfo(self.business_time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as error:
            raise ValidationError({"business_time_zone": _("Enter a time zone name such as Europe/Paris.")}) from error
        if self.business_day_start and self.business_day_end and self.business_day_end <= self.business_day_start:
            raise ValidationError({"business_day_end": _("The working day must end after it starts.")})


class SupportHoliday(models.Model):
    """A day without business hours: SLA clocks do not run on it."""

    date = models.DateField(_("date"), unique=True)
    name = models.CharField(_("name"), max_length=80)

    class Meta:
        verbose_name = _("support holiday")
        verbose_name_plural = _("support holidays")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.name}"


class SlaTarget(models.Model):
    """Business hours allowed until the first answer and until resolution,
    for a priority and (optionally) a tier; a tier's own row wins over the
    row without a tier."""

    priority = models.CharField(_("priority"), max_length=10, choices=CasePriority.choices)
    tier = models.ForeignKey(
        "programs.Tier",
        verbose_name=_("tier"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("Empty: every tier without its own target."),
    )
    first_response_hours = models.DecimalField(
        _("first answer within (business hours)"),
        max_digits=6,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.25")), MaxValueValidator(Decimal("2000"))],
    )
    resolution_hours = models.DecimalField(
        _("resolved within (business hours)"),
        max_digits=6,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.25")), MaxValueValidator(Decimal("2000"))],
    )

    panels = [
        FieldPanel("priority"),
        FieldPanel("tier"),
        FieldPanel("first_response_hours"),
        FieldPanel("resolution_hours"),
    ]

    class Meta:
        verbose_name = _("SLA target")
        verbose_name_plural = _("SLA targets")
        ordering = ["priority", "tier__rank"]
        constraints = [
            models.UniqueConstraint(fields=["priority", "tier"], name="sla_target_per_priority_tier"),
            models.UniqueConstraint(
                fields=["priority"], condition=models.Q(tier__isnull=True), name="sla_default_target_per_priority"
            ),
        ]

    def __str__(self):
        return f"{self.get_priority_display()} · {self.tier or _('any tier')}"

    def clean(self):
        super().clean()
        if self.first_response_hours and self.resolution_hours and self.resolution_hours < self.first_response_hours:
            raise ValidationError({"resolution_hours": _("Resolution cannot be due before the first answer.")})


def _reply_token() -> str:
    return secrets.token_hex(8)


class Case(models.Model):
    """A partner's support request and where it stands."""

    organization = models.ForeignKey(
        "programs.PartnerOrganization", verbose_name=_("partner"), on_delete=models.CASCADE, related_name="cases"
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("opened by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="opened_cases",
    )
    category = models.ForeignKey(CaseCategory, verbose_name=_("category"), on_delete=models.PROTECT, related_name="+")
    priority = models.CharField(_("priority"), max_length=10, choices=CasePriority.choices, default=CasePriority.NORMAL)
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"))
    deal = models.ForeignKey(
        "deals.DealRegistration",
        verbose_name=_("related deal"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cases",
    )

    status = models.CharField(_("status"), max_length=10, choices=CaseStatus.choices, default=CaseStatus.NEW)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_cases",
    )
    merged_into = models.ForeignKey(
        "self", verbose_name=_("merged into"), null=True, blank=True, on_delete=models.SET_NULL, related_name="merged"
    )
    #: secret part of the reply-to address, so a guessed case number cannot post
    reply_token = models.CharField(max_length=16, default=_reply_token, editable=False)

    opened_at = models.DateTimeField(_("opened"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    first_responded_at = models.DateTimeField(_("first answered"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    # SLA: due times already shifted by every pause (waiting on partner).
    first_response_due_at = models.DateTimeField(_("first answer due"), null=True, blank=True)
    resolution_due_at = models.DateTimeField(_("resolution due"), null=True, blank=True)
    sla_paused_at = models.DateTimeField(_("SLA paused since"), null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(
        _("escalation"), choices=EscalationLevel.choices, default=EscalationLevel.NONE
    )
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)

    class Meta:
        verbose_name = _("support case")
        verbose_name_plural = _("support cases")
        ordering = ["-opened_at", "-pk"]
        indexes = [
            models.Index(fields=["organization", "-opened_at"], name="case_org_recent_idx"),
            models.Index(fields=["status", "priority"], name="case_queue_idx"),
            models.Index(fields=["status", "escalation_level"], name="case_escalation_idx"),
        ]

    def __str__(self):
        return f"#{self.pk} {self.subject}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_CASE_STATUSES

    @property
    def number(self) -> str:
        return f"#{self.pk}"


class CaseUserObjectPermission(UserObjectPermissionBase):
    """A case shared with a colleague who did not open it (django-guardian
    direct foreign-key grant), read by ``support.selectors``."""

    content_object = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="user_grants")

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = _("case grant")
        verbose_name_plural = _("case grants")


Case.sharing_permission_model = CaseUserObjectPermission


class CaseMessage(models.Model):
    """One entry of a case's conversation; internal notes never reach partners."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(_("message"))
    is_internal = models.BooleanField(_("internal note"), default=False)
    from_partner = models.BooleanField(_("from the partner"), default=False)
    via_email = models.BooleanField(_("received by email"), default=False)
    #: Message-ID of the email it came from: a mailbox read twice adds it once
    email_message_id = models.CharField(max_length=255, null=True, blank=True, unique=True, editable=False)
    created_at = models.DateTimeField(_("sent"), default=timezone.now)

    class Meta:
        verbose_name = _("case message")
        verbose_name_plural = _("case messages")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["case", "created_at"], name="case_message_timeline_idx")]

    def __str__(self):
        return f"{self.case_id} @ {self.created_at:%Y-%m-%d %H:%M}"


def case_attachment_path(instance, filename):
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"support/attachments/{instance.case.organization_id}/{secrets.token_hex(12)}.{extension}"


class CaseAttachment(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    message = models.ForeignKey(
        CaseMessage, null=True, blank=True, on_delete=models.SET_NULL, related_name="attachments"
    )
    file = models.FileField(
        _("file"), upload_to=case_attachment_path, storage=private_storage, validators=[validate_attachment]
    )
    original_name = models.CharField(_("file name"), max_length=255)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    is_internal = models.BooleanField(_("internal"), default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("case attachment")
        verbose_name_plural = _("case attachments")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return self.original_name


class CaseEventKind(models.TextChoices):
    OPENED = "opened", _("Opened")
    STATUS = "status", _("Status changed")
    ASSIGNED = "assigned", _("Assigned")
    REPLIED = "replied", _("Answered")
    NOTE = "note", _("Internal note added")
    PARTNER_REPLIED = "partner_replied", _("Partner replied")
    REOPENED = "reopened", _("Reopened")
    MERGED = "merged", _("Merged")
    SHARED = "shared", _("Shared")
    ESCALATED = "escalated", _("Escalated")
    SLA_PAUSED = "sla_paused", _("SLA paused")
    SLA_RESUMED = "sla_resumed", _("SLA resumed")


class CaseEvent(StatusEvent):
    """One entry of a case's audit trail."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("event"), max_length=20, choices=CaseEventKind.choices)

    class Meta(StatusEvent.Meta):
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        indexes = [models.Index(fields=["case", "at"], name="case_event_timeline_idx")]

    def __str__(self):
        return f"{self.case_id} {self.kind} at {self.at:%Y-%m-%d %H:%M}"


# Notification centre ---------------------------------------------------------


class NotificationCategory(models.TextChoices):
    DEAL_DECISION = "deal_decision", _("Deal registration decisions")
    LEAD_OFFER = "lead_offer", _("Lead offers")
    MDF_DECISION = "mdf_decision", _("MDF decisions")
    STATEMENT = "statement", _("Statements and payouts")
    CERTIFICATION = "certification", _("Certification expiries")
    CASE_UPDATE = "case_update", _("Support case answers and updates")
    TIER_CHANGE = "tier_change", _("Tier changes")
    DATA_EXPORT = "data_export", _("Your organization's data exports")


class Delivery(models.TextChoices):
    PORTAL = "portal", _("In the portal only")
    IMMEDIATE = "immediate", _("Email me at once")
    DIGEST = "digest", _("One email a day (digest)")


class Notification(models.Model):
    """Something the portal told one person, in their language."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    category = models.CharField(_("category"), max_length=20, choices=NotificationCategory.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    #: where an email reply goes (a case's own address), empty for the default
    reply_to = models.CharField(max_length=254, blank=True, editable=False)
    created_at = models.DateTimeField(_("sent"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    #: how it was to be emailed when it was created (preferences may change later)
    delivery = models.CharField(_("delivery"), max_length=10, choices=Delivery.choices)
    emailed_at = models.DateTimeField(_("emailed"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox_idx"),
            models.Index(
                fields=["recipient"], condition=models.Q(read_at__isnull=True), name="notification_unread_idx"
            ),
            models.Index(
                fields=["delivery", "created_at"],
                condition=models.Q(emailed_at__isnull=True),
                name="notification_digest_due_idx",
            ),
        ]

    def __str__(self):
        return self.title


class NotificationPreference(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    category = models.CharField(_("category"), max_length=20, choices=NotificationCategory.choices)
    delivery = models.CharField(_("delivery"), max_length=10, choices=Delivery.choices, default=Delivery.IMMEDIATE)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [models.UniqueConstraint(fields=["user", "category"], name="notification_preference_once")]

    def __str__(self):
        return f"{self.user} {self.category}: {self.delivery}"
