from functools import partial

from django.apps import AppConfig


class ContentConfig(AppConfig):
    name = "content"

    def ready(self):
        from wagtail.signals import post_page_move

        from programs.metrics import COURSE_STARTED, register_activity_source
        from programs.request_memo import configuration_changed, forget_when_saved

        from .audience import RULES_SCOPE
        from .models import PageAudienceRule
        from .selectors import organization_has_started_a_course

        # Read on every page (content.audience._audience_rules), kept apart
        # from the other configuration, which every page saved changes
        # (programs.apps); what is kept by visibility (menus) is of the
        # configuration, so a rule changes both.
        forget_when_saved(PageAudienceRule)
        forget_when_saved(PageAudienceRule, scope=RULES_SCOPE)
        post_page_move.connect(
            partial(configuration_changed, scope=RULES_SCOPE), weak=False, dispatch_uid="content.rules_page_moved"
        )

        # The onboarding checklist sees the first course started without
        # programs importing content.
        register_activity_source(COURSE_STARTED, organization_has_started_a_course)
