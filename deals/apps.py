from django.apps import AppConfig


class DealsConfig(AppConfig):
    name = "deals"

    def ready(self):
        from programs.metrics import register_deal_metrics_source

        from .selectors import won_deal_figures

        # Tier evaluation counts won deals without programs importing deals.
        register_deal_metrics_source(won_deal_figures)
