from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InterfaceStringsConfig(AppConfig):
    name = "interface_strings"
    verbose_name = _("Interface strings")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from celery.signals import task_prerun

        from .overrides import ensure_current

        # Emails and files built by the worker use the published wording too.
        task_prerun.connect(lambda **_: ensure_current(), weak=False, dispatch_uid="interface_strings_current")
