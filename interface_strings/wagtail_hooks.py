"""The Localization team's strings screen: a top-level admin menu item shown
to those who may change interface string translations."""

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from . import admin_views

urlpatterns = [
    path("", admin_views.StringListView.as_view(), name="index"),
    path("<str:language>/publish/", admin_views.PublishView.as_view(), name="publish"),
    path("<str:language>/export/", admin_views.ExportView.as_view(), name="export"),
    path("<str:language>/import/", admin_views.ImportView.as_view(), name="import"),
    path("<str:language>/<slug:key>/", admin_views.StringEditView.as_view(), name="edit"),
    path("changes/<int:pk>/revert/", admin_views.RevertView.as_view(), name="revert"),
]


@hooks.register("register_admin_urls")
def interface_strings_urls():
    return [path("interface-strings/", include((urlpatterns, "interface_strings"), namespace="interface_strings"))]


class InterfaceStringsMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm(admin_views.PERMISSION)


@hooks.register("register_admin_menu_item")
def interface_strings_menu_item():
    return InterfaceStringsMenuItem(
        _("Interface strings"), reverse("interface_strings:index"), icon_name="doc-full", order=850
    )
