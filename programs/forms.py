import zoneinfo

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from .formkit import CountryField, CurrencyField, PortalFormMixin
from .models import Membership, PartnerApplication, PartnerOrganization, PartnerRole
from .services.onboarding import application_submit


def https_by_default(field, **kwargs):
    """Model form fields, with web addresses typed without a scheme read as
    https (Django 6's default; 5.2 warns until a form says so)."""
    if isinstance(field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return field.formfield(**kwargs)


class PartnerApplicationForm(PortalFormMixin, forms.ModelForm):
    country = CountryField(label=_("Country"))
    expected_revenue_currency = CurrencyField(label=_("Currency"), initial="USD")

    class Meta:
        model = PartnerApplication
        fields = [
            "company_name",
            "website",
            "partner_type",
            "region",
            "country",
            "contact_name",
            "contact_email",
            "contact_phone",
            "expected_annual_revenue",
            "expected_revenue_currency",
            "message",
        ]
        widgets = {"message": forms.Textarea(attrs={"rows": 3})}
        formfield_callback = https_by_default

    def submit(self) -> PartnerApplication | None:
        """Run the service; its refusals become field errors. None when refused."""
        try:
            return application_submit(**self.cleaned_data)
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)
            return None


class InvitationAcceptForm(PortalFormMixin, forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput, strip=False)
    password_again = forms.CharField(label=_("Password again"), widget=forms.PasswordInput, strip=False)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password") and cleaned.get("password") != cleaned.get("password_again"):
            self.add_error("password_again", _("The two passwords differ."))
        return cleaned


class ApplicationRejectForm(forms.Form):
    reason = forms.CharField(label=_("Reason, sent to the applicant"), widget=forms.Textarea(attrs={"rows": 3}))


class OrganizationProfileForm(PortalFormMixin, forms.ModelForm):
    country = CountryField(label=_("Country"), required=False)

    class Meta:
        model = PartnerOrganization
        fields = [
            "website",
            "contact_email",
            "phone",
            "street_address",
            "city",
            "postal_code",
            "country",
            "logo",
            "brand_colour",
            "preferred_language",
        ]
        formfield_callback = https_by_default


class AgreementAcceptForm(PortalFormMixin, forms.Form):
    accept = forms.BooleanField(label=_("I accept the partner agreement on behalf of my company"))


class ColleagueInviteForm(PortalFormMixin, forms.Form):
    email = forms.EmailField(label=_("Email"))
    roles = forms.MultipleChoiceField(
        label=_("Roles"), choices=PartnerRole.choices, widget=forms.CheckboxSelectMultiple
    )


class APITokenForm(PortalFormMixin, forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=255,
        help_text=_("What will use it, e.g. “Salesforce sync”."),
    )


def time_zone_choices():
    return [("", _("The portal's time zone (UTC)")), *((name, name) for name in sorted(zoneinfo.available_timezones()))]


class PreferencesForm(PortalFormMixin, forms.ModelForm):
    """A partner user's own language and time zone."""

    time_zone = forms.ChoiceField(label=_("Time zone"), choices=time_zone_choices, required=False)

    class Meta:
        model = Membership
        fields = ["preferred_language", "time_zone"]
        labels = {"preferred_language": _("Language")}


class PersonErasureForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address of the person"))
    confirm = forms.BooleanField(
        label=_("I understand that this erases their name, e-mail and login for good"), required=False
    )
