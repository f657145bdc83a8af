from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupportConfig(AppConfig):
    name = "support"
    verbose_name = _("Support")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from deals.outcomes import register_deal_decision_listener

        from .services.deal_notices import deal_outcome_notice

        # Confirmed and rejected deal outcomes reach the partner's bell and e-mail
        # preferences, without deals importing support.
        register_deal_decision_listener(deal_outcome_notice)
