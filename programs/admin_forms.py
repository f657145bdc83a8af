"""Admin forms shared by the apps' snippets."""

from django.core.exceptions import ValidationError
from wagtail.admin.forms import WagtailAdminModelForm

from .validators import money_precision_message, validate_money_precision


class MoneyAdminForm(WagtailAdminModelForm):
    """An admin form whose money fields answer in their currency's terms.

    Amounts are stored with three decimals, so the form field alone would
    refuse 1.2345 KWD with Django's generic "no more than 3 decimal places";
    this names the currency instead, with the same message the model's
    ``clean`` (``validate_money_fields``) gives for 10.5 JPY.

    Inline rows (``money_formset_fields``) are amounts in the parent's
    currency: their model cannot check them (it does not know the currency
    being entered), so the form checks each row and puts the error on it."""

    #: the amounts checked against the currency's minor unit
    money_fields: tuple[str, ...] = ()
    #: inline amounts in the same currency, by formset (child relation) name
    money_formset_fields: dict[str, tuple[str, ...]] = {}
    #: the form or model field holding the amounts' currency
    currency_field = "currency"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        currency = self.money_currency()
        if not currency:
            return
        message = money_precision_message(currency)
        for name in self.money_fields:
            if name in self.fields:
                self.fields[name].error_messages["max_decimal_places"] = message
        for form, names in self.money_formset_forms():
            for name in names:
                if name in form.fields:
                    form.fields[name].error_messages["max_decimal_places"] = message

    def money_currency(self) -> str:
        """The currency being entered (bound form), else the stored one."""
        entered = self.data.get(self.add_prefix(self.currency_field)) if self.is_bound else None
        return (entered or getattr(self.instance, self.currency_field, "") or "").strip().upper()

    def money_formset_forms(self):
        """Each inline row holding amounts, with the names of its amount fields."""
        for formset_name, names in self.money_formset_fields.items():
            formset = self.formsets.get(formset_name)
            if formset is not None:
                for form in formset.forms:
                    yield form, names

    def clean_currency(self):
        # Before the model's ISO code check, so "jpy" is taken as JPY.
        return (self.cleaned_data.get("currency") or "").strip().upper()

    def clean(self):
        cleaned_data = super().clean()
        currency = self.money_currency()
        if currency:
            for form, names in self.money_formset_forms():
                # The row's own validation first (its cleaned amounts), once.
                if not form.is_valid() or form.cleaned_data.get("DELETE"):
                    continue
                for name in names:
                    try:
                        validate_money_precision(form.cleaned_data.get(name), currency)
                    except ValidationError as error:
                        form.add_error(name, error)
        return cleaned_data


class TierForm(MoneyAdminForm):
    """Tier requirements are counted in the program currency (deals in other
    currencies are converted), so the minimum revenue follows its minor unit."""

    money_fields = ("min_won_revenue",)

    def money_currency(self) -> str:
        from .services.exchange import program_currency

        return program_currency()
