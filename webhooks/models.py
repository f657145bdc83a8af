"""Outbound webhooks: endpoints that subscribe to the portal's events, one
delivery row per event and endpoint, and a row per attempt to send it.

Every app publishes its events through ``webhooks.services.event_publish``;
the rows are written in the publishing transaction and sent after commit.
"""

import secrets

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting

from .destinations import DestinationRefused, destination_check, host_key, is_plain_host


def webhook_secret() -> str:
    return secrets.token_hex(32)


@register_setting(icon="link-external")
class WebhookSettings(BaseGenericSetting):
    """Hosts on private networks an administrator allows webhooks to reach."""

    allowed_hosts = models.TextField(
        _("hosts allowed on private networks"),
        blank=True,
        help_text=_(
            "One host name or IP address per line, exactly as written in the endpoint URLs. Webhooks are "
            "only sent to public internet addresses; a host listed here may also be a loopback, private or "
            "link-local address (an integration server inside your network). Every other such address is refused."
        ),
    )

    panels = [FieldPanel("allowed_hosts")]

    class Meta:
        verbose_name = _("webhook settings")
        verbose_name_plural = _("webhook settings")

    def allowed_host_keys(self) -> frozenset[str]:
        return frozenset(host_key(line) for line in self.allowed_hosts.splitlines() if line.strip())

    def clean(self):
        for line in self.allowed_hosts.splitlines():
            if line.strip() and not is_plain_host(line):
                raise ValidationError(
                    {
                        "allowed_hosts": _(
                            "Write one host name or IP address per line, without scheme, port or path: %(line)s"
                        )
                        % {"line": line.strip()}
                    }
                )


class WebhookEndpoint(models.Model):
    """A CRM or integration URL told about the portal's events.

    With an organization: that partner's events only; without one, a
    vendor-side endpoint receiving every organization's."""

    organization = models.ForeignKey(
        "programs.PartnerOrganization",
        verbose_name=_("partner organization"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("Empty: a vendor endpoint receiving every partner's events."),
    )
    url = models.URLField(
        _("URL"),
        max_length=500,
        validators=[URLValidator(schemes=["http", "https"])],
        help_text=_("Receives a signed JSON POST for each event. It must be a public internet address."),
    )
    secret = models.CharField(
        _("signing secret"),
        max_length=64,
        default=webhook_secret,
        help_text=_("Receivers check the X-PRM-Signature header with it (HMAC-SHA256 of 'timestamp.body')."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    description = models.CharField(_("description"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    panels = [
        FieldPanel("organization"),
        FieldPanel("url"),
        FieldPanel("description"),
        FieldPanel("is_active"),
        FieldPanel("secret", read_only=True),
    ]

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        indexes = [models.Index(fields=["organization", "is_active"])]

    def __str__(self):
        return self.url

    def clean(self):
        """Refuse, with the reason, a URL whose host is on a private network
        (unless allow-listed) or cannot be found: such an endpoint would
        never receive anything."""
        if not self.url:
            return
        try:
            destination_check(self.url, allowed_hosts=WebhookSettings.load().allowed_host_keys())
        except DestinationRefused as refusal:
            raise ValidationError({"url": refusal.messages}) from refusal


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


class WebhookDelivery(models.Model):
    """One event sent to one endpoint; its attempts are ``attempt_log``.

    ``next_attempt_at`` is when it is due (the sweeper re-queues pending
    deliveries long past it); ``claimed_until`` marks an attempt in progress,
    so a duplicate task leaves the delivery alone."""

    organization = models.ForeignKey(
        "programs.PartnerOrganization", on_delete=models.CASCADE, related_name="+", verbose_name=_("organization")
    )
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    #: the audit event reported ("deals.dealevent"), without a foreign key:
    #: every app publishes here and this app depends on none of them
    source_type = models.CharField(_("source"), max_length=60, blank=True)
    source_id = models.PositiveBigIntegerField(_("source id"), null=True, blank=True)
    event_type = models.CharField(_("event"), max_length=60)
    payload = models.JSONField()
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    claimed_until = models.DateTimeField(_("attempt in progress until"), null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(_("last HTTP status"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["organization", "created_at"]),
            models.Index(
                fields=["next_attempt_at"], condition=models.Q(status="pending"), name="webhook_delivery_due_idx"
            ),
        ]

    def __str__(self):
        return f"{self.event_type} → {self.endpoint}"


class DeliveryAttempt(models.Model):
    """One try at sending a delivery: when, to which address, and the answer."""

    delivery = models.ForeignKey(
        WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log", verbose_name=_("delivery")
    )
    number = models.PositiveSmallIntegerField(_("attempt"))
    started_at = models.DateTimeField(_("at"), default=timezone.now)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)
    address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    status_code = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)
    succeeded = models.BooleanField(_("succeeded"), default=False)

    class Meta:
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")
        ordering = ["delivery", "number"]
        constraints = [models.UniqueConstraint(fields=["delivery", "number"], name="webhook_attempt_number_unique")]

    def __str__(self):
        return f"#{self.number} {self.status_code or self.error}"
