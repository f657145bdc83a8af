"""Admin forms shared by the apps' snippets."""

from wagtail.admin.forms import WagtailAdminModelForm

from .validators import money_precision_message


class MoneyAdminForm(WagtailAdminModelForm):
    """An admin form whose money fields answer in their currency's terms.

    Amounts are stored with three decimals, so the form field alone would
    refuse 1.2345 KWD with Django's generic "no more than 3 decimal places";
    this names the currency instead, with the same message the model's
    ``clean`` (``validate_money_fields``) gives for 10.5 JPY."""

    #: the amounts checked against the currency's minor unit
    money_fields: tuple[str, ...] = ()
    #: the form or model field holding the amounts' currency
    currency_field = "currency"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        currency = self.money_currency()
        if not currency:
            return
        for name in self.money_fields:
            if name in self.fields:
                self.fields[name].error_messages["max_decimal_places"] = money_precision_message(currency)

    def money_currency(self) -> str:
        """The currency being entered (bound form), else the stored one."""
        entered = self.data.get(self.add_prefix(self.currency_field)) if self.is_bound else None
        return (entered or getattr(self.instance, self.currency_field, "") or "").strip().upper()


class TierForm(MoneyAdminForm):
    """Tier requirements are counted in the program currency (deals in other
    currencies are converted), so the minimum revenue follows its minor unit."""

    money_fields = ("min_won_revenue",)

    def money_currency(self) -> str:
        from .services.exchange import program_currency

        return program_currency()
