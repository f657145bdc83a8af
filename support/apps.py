from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupportConfig(AppConfig):
    name = "support"
    verbose_name = _("Support")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from programs.notifications import register_notification_channel

        from .services.notifications import notification_send

        # Every app notifies through programs.notifications.notify, which
        # cannot import support (the higher floor); the centre registers here.
        register_notification_channel(notification_send)
