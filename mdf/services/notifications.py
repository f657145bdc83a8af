"""What the partner is told about their funds, through the notification
centre (``programs.notifications.notify``), in the recipient's language."""

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from programs import notifications
from programs.formats import money
from programs.notifications import notify

from ..models import Allocation, FundRequest, MdfEvent
from ..selectors import allocation_balance

#: who is told that unused funds expire (those who can request them)
FUND_REQUESTER_ROLES = ("owner", "marketing")


def _tell_requester(request: FundRequest, **message) -> None:
    notify(
        recipient=request.submitted_by,
        address=request.organization.contact_email,
        organization=request.organization,
        category=notifications.MDF_DECISION,
        url=reverse("mdf:request_detail", args=[request.pk]),
        **message,
    )


def mdf_notify_partner(*, event: MdfEvent) -> None:
    """Tell the requester about a decision, a claim's outcome or a payment."""
    _tell_requester(
        event.request,
        title=_("MDF request “%(title)s”: %(event)s"),
        # The reviewer's note is shown as written, never read as a format string.
        body="%(note)s",
        params={
            "title": event.request.title,
            "event": event.get_kind_display,
            "note": lambda: event.partner_note or str(event.get_kind_display()),
        },
    )


def request_send_claim_reminder(*, request: FundRequest) -> None:
    deadline = {"date": lambda: date_format(request.claim_deadline, "DATE_FORMAT")}
    _tell_requester(
        request,
        title=_("Claim your MDF for “%(title)s” by %(date)s"),
        body=_("Submit your claim with proof of performance from the MDF page before %(date)s."),
        params={"title": request.title, **deadline},
    )


def allocation_send_expiry_reminder(*, allocation: Allocation) -> None:
    """Tell the people who request funds (else the organization's contact
    address) that the unused balance expires with the period."""
    balance = allocation_balance(allocation=allocation)
    if balance.available <= 0:
        return
    notifications.notify_organization(
        organization=allocation.organization,
        roles=FUND_REQUESTER_ROLES,
        category=notifications.MDF_DECISION,
        title=_("%(amount)s of MDF expires on %(date)s"),
        body=_("Unused funds of %(program)s expire at the end of the period. Request funds from the MDF page."),
        params={
            "amount": lambda: money(balance.available, balance.currency),
            "date": lambda: date_format(allocation.program.ends_on, "DATE_FORMAT"),
            "program": allocation.program.name,
        },
        url=reverse("mdf:home"),
    )
