"""Forms of MDF pages; business rules stay in mdf.services."""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from programs.formkit import PortalFormMixin

from .models import FundRequest
from .selectors import activity_type_choices
from .services.claims import LEAD_COLUMNS


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's errors on the fields they name (else on the form)."""
    if hasattr(error, "error_dict"):
        for name, messages in error.message_dict.items():
            form.add_error(name if name in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


class DateInput(forms.DateInput):
    input_type = "date"


class FundRequestForm(PortalFormMixin, forms.ModelForm):
    """What a partner fills in to request funds."""

    class Meta:
        model = FundRequest
        fields = [
            "activity_type",
            "title",
            "description",
            "starts_on",
            "ends_on",
            "planned_cost",
            "requested_amount",
            "expected_leads",
            "expected_pipeline",
            "assets",
        ]
        widgets = {
            "starts_on": DateInput,
            "ends_on": DateInput,
            "description": forms.Textarea(attrs={"rows": 4}),
            "assets": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {
            "requested_amount": _(
                "At most the reimbursable share of the planned cost and what your allocation has left."
            ),
            "assets": _("The co-branded assets or campaign the activity will use."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["activity_type"].queryset = activity_type_choices()
        # The choices are the default locale's rows; the reader sees the name in their language.
        self.fields["activity_type"].label_from_instance = lambda activity_type: activity_type.localized.name
        for name in ("planned_cost", "requested_amount", "expected_pipeline"):
            self.fields[name].widget.attrs.update({"inputmode": "decimal", "step": "any"})


class ClaimForm(PortalFormMixin, forms.Form):
    actual_cost = forms.DecimalField(
        label=_("Actual total cost"), max_digits=15, decimal_places=3, min_value=Decimal("0.01")
    )
    claimed_amount = forms.DecimalField(
        label=_("Amount claimed"), max_digits=15, decimal_places=3, min_value=Decimal("0.01")
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class LeadUploadForm(PortalFormMixin, forms.Form):
    file = forms.FileField(label=_("CSV file of leads"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for column in LEAD_COLUMNS:
            self.fields[f"column_{column}"] = forms.CharField(
                label=_("Column for %(field)s") % {"field": column}, required=False, initial=column
            )

    def column_map(self) -> dict[str, str]:
        return {column: self.cleaned_data.get(f"column_{column}") or column for column in LEAD_COLUMNS}


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


class CancelForm(PortalFormMixin, forms.Form):
    reason = forms.CharField(label=_("Why (optional)"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class AdjustForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Amount"),
        max_digits=15,
        decimal_places=3,
        help_text=_("Positive to raise the allocation, negative to lower it."),
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class ReviewForm(forms.Form):
    note = forms.CharField(label=_("Note or reason"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class ClaimDecisionForm(forms.Form):
    amount = forms.DecimalField(label=_("Approved amount"), max_digits=15, decimal_places=3, required=False)
    reason = forms.CharField(
        label=_("Reason given to the partner"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class PaymentForm(forms.Form):
    reference = forms.CharField(label=_("Payment reference"), max_length=80)
    paid_on = forms.DateField(label=_("Paid on"), initial=timezone.localdate, widget=DateInput)


class DeadlineForm(forms.Form):
    until = forms.DateField(label=_("New claim deadline"), widget=DateInput)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class LinkDealForm(PortalFormMixin, forms.Form):
    """Attribute one of the organization's registrations to the activity."""

    deal = forms.ModelChoiceField(label=_("Deal registration"), queryset=None)

    def __init__(self, *args, deals, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["deal"].queryset = deals
