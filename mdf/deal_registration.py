"""The optional "MDF activity" of a deal registration (``deals.registration``):
a partner attributes a new registration, on the form or through the API, to
one of their organization's approved activities, counted in the activity's ROI."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import ActivityDeal, FundRequest, RequestStatus

#: activities that ran or may run: deals can be attributed to them
LINKABLE_STATUSES = (RequestStatus.APPROVED, RequestStatus.CLAIMED, RequestStatus.CLOSED)

FIELD_NAME = "mdf_activity"
#: the deal's reverse one-to-one to its ``ActivityDeal``
DEAL_RELATION = "mdf_activity"

NOT_LINKABLE = _("Choose one of your organization's approved MDF activities.")


def linkable_activities(*, organization):
    """The organization's own approved activities, newest first."""
    return FundRequest.objects.filter(organization=organization, status__in=LINKABLE_STATUSES).order_by("-pk")


def linkable_activity(*, organization, value) -> FundRequest:
    """The activity ``value`` names (the form's choice or the API's id) when
    ``organization`` may attribute a registration to it; the one rule for the
    form and the API."""
    pk = value.pk if isinstance(value, FundRequest) else value
    if isinstance(pk, bool) or not (str(pk).isascii() and str(pk).isdigit()):
        raise ValidationError(NOT_LINKABLE, code="invalid_choice")
    # An id beyond bigint finds nothing (Django answers an empty result, no query error).
    activity = linkable_activities(organization=organization).filter(pk=int(pk)).first()
    if activity is None:
        raise ValidationError(NOT_LINKABLE, code="invalid_choice")
    return activity


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
        error_messages={"invalid_choice": NOT_LINKABLE},
    )
    field.label_from_instance = lambda activity: activity.title
    return field


def mdf_activity_registered(*, deal, value: FundRequest, actor) -> None:
    from .services.claims import activity_link_deal

    activity_link_deal(request=value, deal=deal, actor=actor)


def mdf_activity_of(deal) -> int | None:
    """The id of the activity ``deal`` is attributed to (what the API accepts), or None."""
    try:
        return getattr(deal, DEAL_RELATION).request_id
    except ActivityDeal.DoesNotExist:
        return None
