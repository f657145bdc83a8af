from django import forms
from django.utils.translation import gettext_lazy as _

from programs.formkit import PortalFormMixin

from .selectors import EarningStatus


class EarningsFilterForm(PortalFormMixin, forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False)
    program = forms.ChoiceField(label=_("Program"), required=False)

    def __init__(self, *args, programs=(), **kwargs):
        """``programs``: (id, name) pairs of the programs to filter by."""
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("Any status")), *EarningStatus.choices()]
        self.fields["program"].choices = [("", _("Any program"))] + [(str(pk), name) for pk, name in programs]


class DisputeForm(PortalFormMixin, forms.Form):
    comment = forms.CharField(
        label=_("What is wrong with this line?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Finance answers here; the statement stays as it is until the dispute is resolved."),
    )


class DisputeReplyForm(PortalFormMixin, forms.Form):
    body = forms.CharField(label=_("Your message"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))
