from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "analytics"

    def ready(self):
        from programs.request_memo import forget_when_saved

        from . import signals  # noqa: F401 - connects the activity receivers
        from .models import DashboardPanelEntry, ScorecardTarget

        forget_when_saved(DashboardPanelEntry, ScorecardTarget)
