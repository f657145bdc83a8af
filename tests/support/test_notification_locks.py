"""An email is skipped only while another worker is emailing the same
notification, never because something else holds the recipient's account
row (a sign-in updating ``last_login``, another notification of theirs being
emailed at the same moment by a second worker). Each case holds a row lock
in a second database session, as a concurrent request or worker would."""

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.utils import timezone

from support.models import Delivery, Notification, NotificationCategory
from support.services.notifications import notification_email, notifications_send_digests
from tests.factories import OrganizationFactory, PartnerUserFactory
from tests.row_locks import row_locked_elsewhere

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def partner():
    return PartnerUserFactory(organization=OrganizationFactory(), roles=["sales"], email="pat@partner.example")


def notification_for(user, delivery=Delivery.IMMEDIATE, title="Your deal Acme was approved"):
    return Notification.objects.create(
        recipient=user, category=NotificationCategory.DEAL_DECISION, title=title, url="/deals/", delivery=delivery
    )


def signing_in(user):
    return lambda: get_user_model().objects.filter(pk=user.pk).update(last_login=timezone.now())


def test_an_email_goes_out_while_the_recipient_signs_in(partner):
    notification = notification_for(partner)

    with row_locked_elsewhere(signing_in(partner)):
        sent = notification_email(notification_id=notification.pk)

    assert sent is True
    assert [(message.to, message.subject) for message in mail.outbox] == [
        (["pat@partner.example"], "Your deal Acme was approved")
    ]
    notification.refresh_from_db()
    assert notification.emailed_at is not None


def test_two_notifications_of_one_person_are_both_emailed_at_once(partner):
    first = notification_for(partner, title="Your deal Acme was approved")
    second = notification_for(partner, title="Your deal Globex was approved")

    # A second worker has emailed the first one and not yet committed.
    with row_locked_elsewhere(lambda: notification_email(notification_id=first.pk)):
        assert notification_email(notification_id=second.pk) is True

    assert sorted(message.subject for message in mail.outbox) == [
        "Your deal Acme was approved",
        "Your deal Globex was approved",
    ]


def test_a_notification_another_worker_is_emailing_is_not_sent_twice(partner):
    notification = notification_for(partner)

    with row_locked_elsewhere(lambda: list(Notification.objects.select_for_update().filter(pk=notification.pk))):
        assert notification_email(notification_id=notification.pk) is False

    assert mail.outbox == []


def test_the_daily_digest_goes_out_while_the_recipient_signs_in(partner):
    notification_for(partner, delivery=Delivery.DIGEST, title="Your deal Acme was approved")
    notification_for(partner, delivery=Delivery.DIGEST, title="A new lead: Globex")

    with row_locked_elsewhere(signing_in(partner)):
        assert notifications_send_digests() == 1

    (digest,) = mail.outbox
    assert digest.to == ["pat@partner.example"]
    assert "Your deal Acme was approved" in digest.body and "A new lead: Globex" in digest.body
