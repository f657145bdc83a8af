"""E-mails to the partner, in the recipient's language."""

from django.core.mail import send_mail
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from programs.formats import money
from programs.languages import recipient_locale

from ..models import Allocation, FundRequest, MdfEvent
from ..selectors import allocation_balance


def _recipient(request: FundRequest) -> str:
    return (request.submitted_by.email if request.submitted_by else "") or request.organization.contact_email


def mdf_notify_partner(*, event: MdfEvent) -> None:
    """Tell the requester about a decision, a claim's outcome or a payment."""
    request = event.request
    recipient = _recipient(request)
    if not recipient:
        return
    with recipient_locale(user=request.submitted_by, organization=request.organization):
        send_mail(
            _("MDF request “%(title)s”: %(event)s") % {"title": request.title, "event": event.get_kind_display()},
            event.partner_note or str(event.get_kind_display()),
            None,
            [recipient],
        )


def request_send_claim_reminder(*, request: FundRequest) -> None:
    recipient = _recipient(request)
    if not recipient:
        return
    with recipient_locale(user=request.submitted_by, organization=request.organization):
        send_mail(
            _("Claim your MDF for “%(title)s” by %(date)s")
            % {"title": request.title, "date": date_format(request.claim_deadline, "DATE_FORMAT")},
            _("Submit your claim with proof of performance from the MDF page before %(date)s.")
            % {"date": date_format(request.claim_deadline, "DATE_FORMAT")},
            None,
            [recipient],
        )


def allocation_send_expiry_reminder(*, allocation: Allocation) -> None:
    organization = allocation.organization
    if not organization.contact_email:
        return
    balance = allocation_balance(allocation=allocation)
    if balance.available <= 0:
        return
    with recipient_locale(organization=organization):
        send_mail(
            _("%(amount)s of MDF expires on %(date)s")
            % {
                "amount": money(balance.available, balance.currency),
                "date": date_format(allocation.program.ends_on, "DATE_FORMAT"),
            },
            _("Unused funds of %(program)s expire at the end of the period. Request funds from the MDF page.")
            % {"program": allocation.program.name},
            None,
            [organization.contact_email],
        )
