from django import forms
from django.utils.translation import gettext_lazy as _

from deals.forms import add_service_errors
from deals.validators import ATTACHMENT_SIGNATURES
from programs.formats import person_name
from programs.formkit import PortalFormMixin

from .models import CasePriority, Delivery, NotificationCategory
from .selectors import categories_offered, linkable_deals
from .services.cases import MAX_ATTACHMENTS

__all__ = ["CaseForm", "NotificationSettingsForm", "ReopenForm", "ReplyForm", "ShareForm", "add_service_errors"]

ACCEPTED = ",".join(f".{extension}" for extension in sorted(ATTACHMENT_SIGNATURES))


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field; each is validated by the service (the same
    check as every other upload of the portal)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPTED}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


def attachments_field() -> MultipleFileField:
    return MultipleFileField(
        label=_("Attachments"),
        help_text=_("Optional, up to %(count)s files of 10 MB each: %(types)s.")
        % {"count": MAX_ATTACHMENTS, "types": ", ".join(sorted(ATTACHMENT_SIGNATURES))},
    )


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, category):
        # The category in the reader's language, falling back to the source.
        return category.localized.name


class CaseForm(PortalFormMixin, forms.Form):
    """What a partner fills in on a phone; the service re-validates everything."""

    category = CategoryChoiceField(label=_("What is it about?"), queryset=None, empty_label=None)
    priority = forms.ChoiceField(
        label=_("How urgent is it?"), choices=CasePriority.choices, initial=CasePriority.NORMAL
    )
    subject = forms.CharField(label=_("Subject"), max_length=200)
    description = forms.CharField(
        label=_("Description"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What happened, what you expected, and any reference numbers."),
        max_length=10000,
    )
    deal = forms.ModelChoiceField(
        label=_("Related deal registration"), queryset=None, required=False, empty_label=_("None")
    )

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = categories_offered()
        # Only the partner's own organization's deals (never a shared one from elsewhere).
        self.fields["deal"].queryset = linkable_deals(organization=organization)
        self.fields["attachments"] = attachments_field()


class ReplyForm(PortalFormMixin, forms.Form):
    body = forms.CharField(label=_("Your reply"), widget=forms.Textarea(attrs={"rows": 4}), max_length=10000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attachments"] = attachments_field()


class ReopenForm(PortalFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("Why does the case need more work?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        required=False,
    )


class ShareForm(PortalFormMixin, forms.Form):
    user = forms.ModelChoiceField(label=_("Colleague"), queryset=None, empty_label=None)

    def __init__(self, *args, colleagues, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = colleagues
        self.fields["user"].label_from_instance = lambda user: person_name(user) or user.get_username()


class NotificationSettingsForm(PortalFormMixin, forms.Form):
    """One delivery choice per category of notification."""

    def __init__(self, *args, current: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        for category, label in NotificationCategory.choices:
            self.fields[category] = forms.ChoiceField(
                label=label, choices=Delivery.choices, initial=current.get(category), widget=forms.RadioSelect
            )
