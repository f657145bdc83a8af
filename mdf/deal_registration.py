"""The optional "MDF activity" choice on the deal registration form
(``deals.registration``): a partner attributes a new registration to one of
their organization's approved activities, counted in the activity's ROI."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import FundRequest, RequestStatus

#: activities that ran or may run: deals can be attributed to them
LINKABLE_STATUSES = (RequestStatus.APPROVED, RequestStatus.CLAIMED, RequestStatus.CLOSED)

FIELD_NAME = "mdf_activity"


def linkable_activities(*, organization):
    """The organization's own approved activities, newest first."""
    return FundRequest.objects.filter(organization=organization, status__in=LINKABLE_STATUSES).order_by("-pk")


def mdf_activity_field(organization) -> forms.ModelChoiceField | None:
    activities = linkable_activities(organization=organization)
    if not activities.exists():
        return None
    field = forms.ModelChoiceField(
        label=_("MDF activity"),
        queryset=activities,
        required=False,
        empty_label=_("None"),
        help_text=_("Optional: the marketing activity this opportunity came from, counted in its results."),
        error_messages={"invalid_choice": _("Choose one of your organization's approved MDF activities.")},
    )
    field.label_from_instance = lambda activity: activity.title
    return field


def mdf_activity_registered(*, deal, value: FundRequest, actor) -> None:
    from .services.claims import activity_link_deal

    activity_link_deal(request=value, deal=deal, actor=actor)
