"""The partner shell in the admin (Settings → Partner navigation) and the
staff second-factor views."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from programs.wagtail_hooks import PortfolioPermissionPolicy

from .models import BackupCodeEvent, HeldTask, NavigationEntry
from .second_factor import BackupCodesView, SetupView, VerifyView


class NavigationEntryViewSet(SnippetViewSet):
    """Which navigation items partners see, where, in which order, per role."""

    model = NavigationEntry
    icon = "list-ul"
    menu_label = _("Partner navigation")
    add_to_settings_menu = True
    list_display = ["__str__", "item", "placement", "position", "roles"]
    list_filter = ["placement"]
    ordering = ["position", "pk"]


register_snippet(NavigationEntryViewSet)

# An audit trail: listed for whoever may view it (superusers), never edited.
register_permission_policy(BackupCodeEvent, PortfolioPermissionPolicy(BackupCodeEvent, None, read_only=True))


class BackupCodeEventViewSet(SnippetViewSet):
    """Who generated second-factor backup codes or signed in with one, and when."""

    model = BackupCodeEvent
    icon = "lock"
    menu_label = _("Backup code use")
    add_to_settings_menu = True
    list_display = ["at", "user", "kind", "actor"]
    list_filter = ["kind"]
    ordering = ["-at", "-pk"]


register_snippet(BackupCodeEventViewSet)


# Made by the portal and queued by beat (home.tasks.queue_held_tasks):
# whoever may view them (superusers) sees them while an outage lasts and may
# delete one that no deploy knows any more (logged like any snippet's
# deletion); nobody adds or edits one.
register_permission_policy(
    HeldTask, PortfolioPermissionPolicy(HeldTask, None, refused_actions=frozenset({"add", "change"}))
)


class HeldTaskViewSet(SnippetViewSet):
    """The tasks waiting for the task broker to answer, oldest first."""

    model = HeldTask
    icon = "time"
    menu_label = _("Held tasks")
    add_to_settings_menu = True
    list_display = ["task", "held_at", "message"]
    ordering = ["held_at", "pk"]


register_snippet(HeldTaskViewSet)


@hooks.register("register_admin_urls")
def second_factor_urls():
    return [
        path("second-factor/", VerifyView.as_view(), name="second_factor_verify"),
        path("second-factor/setup/", SetupView.as_view(), name="second_factor_setup"),
        path("second-factor/backup-codes/", BackupCodesView.as_view(), name="second_factor_backup_codes"),
    ]


@hooks.register("register_account_menu_item")
def backup_codes_account_item(request):
    return {
        "url": reverse("second_factor_backup_codes"),
        "label": _("Backup codes"),
        "help_text": _("One-time codes to sign in when your authenticator app is out of reach."),
    }
