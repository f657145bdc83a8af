from django.apps import AppConfig


class DealsConfig(AppConfig):
    name = "deals"

    def ready(self):
        from programs.metrics import DEAL_REGISTERED, register_activity_source, register_deal_metrics_source
        from programs.services.exchange import register_exchange_rate_listener

        from .selectors import organization_has_deals, won_deal_figures
        from .tasks import request_wins_conversion

        # Tier evaluation counts won deals, and the onboarding checklist sees
        # the first registration, without programs importing deals.
        register_deal_metrics_source(won_deal_figures)
        register_activity_source(DEAL_REGISTERED, organization_has_deals)
        # A rate finance saves converts the confirmed wins that waited for it, and a
        # rate edited or deleted converts again the wins converted with it.
        register_exchange_rate_listener(request_wins_conversion)
