from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncentivesConfig(AppConfig):
    name = "incentives"
    verbose_name = _("Incentives")

    def ready(self):
        from deals.outcomes import register_deal_outcome_listener

        from .tasks import request_deal_accruals

        # A won, lost or corrected deal queues its accruals, without deals importing incentives.
        register_deal_outcome_listener(request_deal_accruals)
