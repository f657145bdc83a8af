from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncentivesConfig(AppConfig):
    name = "incentives"
    verbose_name = _("Incentives")

    def ready(self):
        from deals.outcomes import register_deal_outcome_listener
        from programs.request_memo import forget_when_saved
        from programs.services.exchange import register_exchange_rate_listener

        from .models import IncentiveProgram, RuleVersion
        from .tasks import request_accrual_holds_retry, request_deal_accruals, request_rebates_resettlement

        # The rules in force, read on every dashboard (services.rules.rules_in_force).
        forget_when_saved(IncentiveProgram, RuleVersion)

        # A won, lost or corrected deal queues its accruals, without deals importing incentives.
        register_deal_outcome_listener(request_deal_accruals)
        # A rate finance saves settles at once the rebates that waited for it.
        register_exchange_rate_listener(request_accrual_holds_retry)
        # A changed rate settles again the rebates computed with the rate it replaced.
        register_exchange_rate_listener(request_rebates_resettlement)
