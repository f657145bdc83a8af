from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "analytics"

    def ready(self):
        from . import signals  # noqa: F401 - connects the activity receivers
