from django.apps import AppConfig


class ContentConfig(AppConfig):
    name = "content"

    def ready(self):
        from programs.metrics import COURSE_STARTED, register_activity_source

        from .selectors import organization_has_started_a_course

        # The onboarding checklist sees the first course started without
        # programs importing content.
        register_activity_source(COURSE_STARTED, organization_has_started_a_course)
