import uuid
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from programs.formkit import CountryField, CurrencyField, PortalFormMixin

from .models import DealStage, validate_country, validate_currency
from .reference import COUNTRIES, CURRENCIES
from .registration import deal_registration_fields
from .selectors import product_line_choices
from .validators import ATTACHMENT_SIGNATURES, validate_attachment

OPEN_STAGES = [(value, label) for value, label in DealStage.choices if value not in (DealStage.WON, DealStage.LOST)]


class DealRegistrationForm(PortalFormMixin, forms.Form):
    """What a partner fills in on a phone; the service re-validates everything."""

    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)
    company_name = forms.CharField(label=_("End customer company"), max_length=200)
    domain = forms.CharField(
        label=_("Website or e-mail domain"),
        max_length=253,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "url", "autocapitalize": "off", "placeholder": "acme.com"}),
    )
    country = CountryField(label=_("Customer country"), codes=COUNTRIES)
    product_lines = forms.ModelMultipleChoiceField(
        label=_("Product lines"), queryset=None, widget=forms.CheckboxSelectMultiple
    )
    estimated_value = forms.DecimalField(
        label=_("Estimated value"),
        max_digits=15,
        decimal_places=3,
        min_value=Decimal("0.01"),
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "any"}),
    )
    currency = CurrencyField(label=_("Currency"), codes=CURRENCIES)
    expected_close_date = forms.DateField(
        label=_("Expected close date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    stage = forms.ChoiceField(label=_("Stage"), choices=OPEN_STAGES, initial=DealStage.QUALIFIED)
    contact_name = forms.CharField(label=_("Customer contact name"), max_length=120)
    contact_email = forms.EmailField(label=_("Contact e-mail"), required=False)
    contact_phone = forms.CharField(
        label=_("Contact phone"), max_length=40, required=False, widget=forms.TextInput(attrs={"type": "tel"})
    )
    competitive_situation = forms.CharField(
        label=_("Competitive situation"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    attachment = forms.FileField(
        label=_("Attachment"),
        required=False,
        validators=[validate_attachment],
        # Formatted lazily: a help text formatted at import stays in English.
        help_text=format_lazy(_("Optional, up to 10 MB: {types}."), types=", ".join(sorted(ATTACHMENT_SIGNATURES))),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(f".{ext}" for ext in sorted(ATTACHMENT_SIGNATURES))}),
    )

    def __init__(self, *args, organization=None, currency="USD", with_extras=False, **kwargs):
        super().__init__(*args, **kwargs)
        #: fields other apps add (deals.registration), e.g. the MDF activity
        self.extra_names = []
        if with_extras and organization is not None:
            extras = deal_registration_fields(organization=organization)
            self.fields.update(extras)
            self.extra_names = list(extras)
        self.fields["product_lines"].queryset = product_line_choices()
        # Rows of the default locale, named in the reader's language.
        self.fields["product_lines"].label_from_instance = lambda line: line.localized.name
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", uuid.uuid4().hex)
            self.initial.setdefault("currency", currency)
            if organization is not None and organization.country:
                self.initial.setdefault("country", organization.country)

    def split_extras(self) -> tuple[dict, dict]:
        """The cleaned registration fields and, apart, the other apps' values."""
        fields = dict(self.cleaned_data)
        return fields, {name: fields.pop(name, None) for name in self.extra_names}

    def clean_country(self):
        value = self.cleaned_data["country"].strip().upper()
        validate_country(value)
        return value

    def clean_currency(self):
        value = self.cleaned_data["currency"].strip().upper()
        validate_currency(value)
        return value

    def clean_expected_close_date(self):
        value = self.cleaned_data["expected_close_date"]
        if value < timezone.localdate():
            raise forms.ValidationError(_("The expected close date cannot be in the past."))
        return value


class StageForm(PortalFormMixin, forms.Form):
    stage = forms.ChoiceField(label=_("Stage"), choices=DealStage.choices)
    final_amount = forms.DecimalField(
        label=_("Final amount"), max_digits=15, decimal_places=3, required=False, min_value=Decimal("0.001")
    )
    closed_on = forms.DateField(label=_("Close date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("stage") == DealStage.WON:
            if cleaned.get("final_amount") is None and "final_amount" not in self.errors:
                self.add_error("final_amount", _("Enter the final amount of the won deal."))
            if cleaned.get("closed_on") is None and "closed_on" not in self.errors:
                self.add_error("closed_on", _("Enter the date the deal closed."))
        closed_on = cleaned.get("closed_on")
        if closed_on and closed_on > timezone.localdate():
            self.add_error("closed_on", _("The close date cannot be in the future."))
        return cleaned


class ReasonForm(PortalFormMixin, forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


def add_service_errors(form: forms.Form, error) -> None:
    """Show a service's ValidationError on the form, by field where it has one."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)
