from django.apps import AppConfig


class ContentConfig(AppConfig):
    name = "content"

    def ready(self):
        from programs.metrics import COURSE_STARTED, register_activity_source
        from programs.request_memo import forget_when_saved

        from .models import PageAudienceRule
        from .selectors import organization_has_started_a_course

        # Read on every page (content.audience._audience_rules); pages forget too (programs.apps).
        forget_when_saved(PageAudienceRule)

        # The onboarding checklist sees the first course started without
        # programs importing content.
        register_activity_source(COURSE_STARTED, organization_has_started_a_course)
