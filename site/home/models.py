from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField
from wagtail.models import Page


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


class WorkerHeartbeat(models.Model):
    """Last time each Celery worker ran the heartbeat task (see /healthz/)."""

    worker = models.CharField(max_length=255, unique=True)
    seen_at = models.DateTimeField()

    def __str__(self):
        return f"{self.worker} at {self.seen_at:%Y-%m-%d %H:%M:%S}"
