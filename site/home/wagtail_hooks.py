"""The partner shell in the admin (Settings → Partner navigation) and the
staff second-factor views."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import NavigationEntry
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
