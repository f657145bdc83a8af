"""Webhooks in the admin, one menu group: endpoints (channel ops add and
edit them; a CAM sees their portfolio's) and every delivery with each of its
attempts (read-only). The allow-list of private hosts is under Settings."""

from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSetGroup

from programs.wagtail_hooks import PortfolioPermissionPolicy, PortfolioViewSet

from .models import WebhookDelivery, WebhookEndpoint


class WebhookEndpointViewSet(PortfolioViewSet):
    """Where events are sent (a partner's CRM, or the vendor's)."""

    model = WebhookEndpoint
    icon = "link-external"
    menu_label = _("Endpoints")
    list_display = ["url", "organization", "is_active", "created_at"]
    list_filter = ["is_active"]
    copy_view_enabled = False


register_permission_policy(WebhookDelivery, PortfolioPermissionPolicy(WebhookDelivery, "organization", read_only=True))


class AttemptLogMixin:
    """The delivery's inspect page lists every attempt (time, address, answer)."""

    def get_fields(self):
        return [*super().get_fields(), "attempt_log"]

    def get_field_label(self, field_name, field):
        if field_name == "attempt_log":
            return _("Attempts made")
        return super().get_field_label(field_name, field)

    def get_attempt_log_display_value(self):
        return render_to_string(
            "webhooks/admin/attempt_log.html", {"attempts": self.object.attempt_log.all()}, request=self.request
        )


class WebhookDeliveryViewSet(PortfolioViewSet):
    """Every webhook sent, with each attempt and its answer: read-only."""

    model = WebhookDelivery
    icon = "history"
    menu_label = _("Deliveries")
    list_display = ["event_type", "endpoint", "organization", "status", "attempts", "last_status_code", "created_at"]
    list_filter = ["status", "event_type"]
    ordering = ["-created_at"]
    copy_view_enabled = False
    inspect_view_enabled = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.inspect_view_class = type("DeliveryInspectView", (AttemptLogMixin, self.inspect_view_class), {})


class WebhooksViewSetGroup(SnippetViewSetGroup):
    menu_label = _("Webhooks")
    menu_icon = "link-external"
    menu_order = 360
    items = (WebhookEndpointViewSet, WebhookDeliveryViewSet)


register_snippet(WebhooksViewSetGroup)
