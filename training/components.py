from datetime import timedelta

from django.utils import timezone
from laces.components import Component

from . import selectors


class LearningPanel(Component):
    """The dashboard's learning card: paths in progress with the next course,
    and certifications expiring within 60 days."""

    template_name = "training/_dashboard_panel.html"
    order = 55

    def __init__(self, request):
        paths = selectors.paths_for(request)
        self.paths = [(path, progress) for path, progress in paths if not progress.complete][:3]
        soon = timezone.now() + timedelta(days=60)
        self.expiring = [
            held
            for held in selectors.held_certifications(request.user)
            if held.expires_at and timezone.now() < held.expires_at <= soon
        ]

    def __bool__(self):
        return bool(self.paths or self.expiring)

    def get_context_data(self, parent_context=None):
        return {"paths": self.paths, "expiring": self.expiring}
