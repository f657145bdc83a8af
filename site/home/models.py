from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField
from wagtail.models import Page, TranslatableMixin
from wagtail_localize.fields import SynchronizedField

from programs.audit import StatusEvent
from programs.fields import PartnerRolesField
from programs.navigation import registered_items
from programs.request_memo import remembered_instance


class HomePage(Page):
    """The portal's root page; partner dashboards hang below it."""

    intro = RichTextField(blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]

    max_count_per_parent = 1

    class Meta:
        verbose_name = _("portal home page")
        verbose_name_plural = _("portal home pages")


@register_setting(icon="pick")
class PortalBranding(BaseSiteSetting):
    """The vendor's branding, edited by channel marketing in Settings."""

    vendor_name = models.CharField(_("vendor name"), max_length=120, default="Partner Portal")
    logo = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("logo"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    primary_colour = models.CharField(
        _("primary colour"),
        max_length=7,
        default="#1d4ed8",
        help_text=_("Hex colour such as #1d4ed8."),
    )
    support_email = models.EmailField(_("partner support email"), blank=True)

    panels = [
        FieldPanel("vendor_name"),
        FieldPanel("logo"),
        FieldPanel("primary_colour"),
        FieldPanel("support_email"),
    ]

    class Meta:
        verbose_name = _("portal branding")
        verbose_name_plural = _("portal branding")

    @classmethod
    def for_site(cls, site):
        # Every page's shell reads it: kept until the branding changes, an
        # instance of its own per call (Wagtail puts the request on it).
        if site is None:
            return super().for_site(site)
        return remembered_instance(("portal branding", site.pk), lambda: super(PortalBranding, cls).for_site(site))


class WorkerHeartbeat(models.Model):
    """Last time each Celery worker ran the heartbeat task (see /healthz/)."""

    worker = models.CharField(max_length=255, unique=True)
    seen_at = models.DateTimeField()

    def __str__(self):
        return f"{self.worker} at {self.seen_at:%Y-%m-%d %H:%M:%S}"


class HeldTask(models.Model):
    """A task that could not be queued because the task broker was
    unreachable (``portal.celery.PortalTask``): beat queues it once the
    broker answers (``home.tasks.queue_held_tasks``)."""

    task = models.CharField(max_length=255)
    #: the arguments and options in the broker's own JSON (kombu's, which
    #: keeps decimals, dates and UUIDs): the task receives what it would have
    message = models.TextField()
    held_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["held_at", "pk"]

    def __str__(self):
        return f"{self.task} held at {self.held_at:%Y-%m-%d %H:%M:%S}"


def navigation_key_choices():
    """Items the installed apps offer (``partner_navigation_items`` hook)."""
    return [(item.key, item.label) for item in registered_items().values()]


class NavigationPlacement(models.TextChoices):
    TAB = "tab", _("Phone tab bar (first four)")
    MENU = "menu", _("More menu")
    HIDDEN = "hidden", _("Hidden")


class NavigationEntry(TranslatableMixin, models.Model):
    """Where one navigation item appears, and for which partner roles.

    For a reader, the first entry of each item (by position) whose roles
    include one of theirs decides; an item with entries, none for their
    roles, is not shown to them. Apps' items without any entry appear in
    the More menu."""

    item = models.CharField(_("item"), max_length=60, choices=navigation_key_choices)
    label = models.CharField(
        _("label"), max_length=60, blank=True, help_text=_("Leave empty to use the item's own, translated label.")
    )
    roles = PartnerRolesField(
        _("partner roles"), default=list, blank=True, help_text=_("Leave all unticked for every role.")
    )
    placement = models.CharField(
        _("placement"), max_length=10, choices=NavigationPlacement.choices, default=NavigationPlacement.MENU
    )
    position = models.PositiveSmallIntegerField(_("position"), default=100, help_text=_("Lower comes first."))

    panels = [FieldPanel(name) for name in ("item", "label", "roles", "placement", "position")]
    #: translators translate the label; where and for whom stays the source's
    override_translatable_fields = [
        SynchronizedField(name, overridable=False) for name in ("item", "roles", "placement", "position")
    ]

    class Meta(TranslatableMixin.Meta):
        verbose_name = _("partner navigation entry")
        verbose_name_plural = _("partner navigation entries")
        ordering = ["position", "pk"]

    def __str__(self):
        return self.label or str(dict(navigation_key_choices()).get(self.item, self.item))


class StaffBackupCode(models.Model):
    """One one-time backup code for a staff member's second factor, for when
    the authenticator app is out of reach. Only a password hash of the code is
    kept; ``selector`` (its first group, not secret on its own) finds the one
    row to check so a sign-in runs a single slow hash."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="backup_codes")
    selector = models.CharField(max_length=4)
    code_hash = models.CharField(max_length=128)
    created_at = models.DateTimeField(default=timezone.now)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "selector"])]

    def __str__(self):
        return f"{self.user} {self.selector}…"


class BackupCodeEventKind(models.TextChoices):
    GENERATED = "generated", _("Backup codes generated")
    USED = "used", _("Backup code used to sign in")


class BackupCodeEvent(StatusEvent):
    """Audit trail of backup codes: who generated a batch or signed in with a
    code, and when (``actor`` and ``at``)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("staff member"), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("event"), max_length=10, choices=BackupCodeEventKind.choices)

    class Meta(StatusEvent.Meta):
        verbose_name = _("backup code event")
        verbose_name_plural = _("backup code events")
