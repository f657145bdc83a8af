"""The notification centre: in-portal bell and list, email at once, daily
digest or no email, per category; in the recipient's language."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from support.models import Delivery, Notification, NotificationCategory
from support.selectors import notification_unread_count
from support.services.notifications import (
    notification_email,
    notification_send,
    notifications_email_unsent,
    notifications_send_digests,
)
from tests.factories import PASSWORD, OrganizationFactory, PartnerUserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def partner(client):
    user = PartnerUserFactory(organization=OrganizationFactory(), roles=["sales"], email="pat@partner.example")
    assert client.login(username=user.username, password=PASSWORD)
    return user


def send(user, title="Your deal Acme was approved", category=NotificationCategory.DEAL_DECISION, **kwargs):
    return notification_send(recipient=user, category=category, title=title, url="/deals/", **kwargs)


def deliver():
    """What the worker does with the emails queued on commit (run here, in-process)."""
    from support.tasks import email_notification

    for pk in Notification.objects.filter(emailed_at__isnull=True).values_list("pk", flat=True):
        email_notification(pk)


def choose(client, **choices):
    data = dict.fromkeys(NotificationCategory.values, Delivery.IMMEDIATE)
    data.update(choices)
    return client.post(reverse("support:notification_settings"), data, follow=True)


def test_immediate_is_the_default_and_emails_once(partner):
    notification = send(partner)
    deliver()

    assert [message.subject for message in mail.outbox] == ["Your deal Acme was approved"]
    assert "http://" in mail.outbox[0].body and "/deals/" in mail.outbox[0].body
    assert notification_email(notification_id=notification.pk) is False  # already sent
    assert len(mail.outbox) == 1


def test_in_portal_only_sends_no_email_but_shows_in_the_bell(client, partner):
    response = choose(client, deal_decision=Delivery.PORTAL)
    assert "Your notification choices are saved." in response.content.decode()

    send(partner)
    deliver()

    assert mail.outbox == []
    assert notification_unread_count(user=partner) == 1
    dashboard = client.get(reverse("programs:dashboard")).content.decode()
    assert "1 unread notification" in dashboard


def test_digest_collects_the_day_in_one_email(client, partner):
    choose(client, deal_decision=Delivery.DIGEST, lead_offer=Delivery.DIGEST)
    send(partner, title="Your deal Acme was approved")
    send(partner, title="A new lead: Globex", category=NotificationCategory.LEAD_OFFER)
    send(partner, title="Answer on case #4", category=NotificationCategory.CASE_UPDATE)  # immediate
    deliver()
    assert [message.subject for message in mail.outbox] == ["Answer on case #4"]
    mail.outbox.clear()

    assert notifications_send_digests() == 1
    assert notifications_send_digests() == 0  # nothing twice

    (digest,) = mail.outbox
    assert digest.to == ["pat@partner.example"]
    assert digest.subject == "Your daily portal digest: 2 updates"
    assert "Your deal Acme was approved" in digest.body and "A new lead: Globex" in digest.body
    assert "Answer on case #4" not in digest.body


def test_the_list_marks_read_and_follows_the_link(client, partner):
    first, second = send(partner, title="First"), send(partner, title="Second")
    assert notification_unread_count(user=partner) == 2

    page = client.get(reverse("support:notifications")).content.decode()
    assert "First" in page and "Second" in page
    response = client.get(reverse("support:notification_open", args=[first.pk]))
    assert response.status_code == 302 and response.url == "/deals/"
    assert notification_unread_count(user=partner) == 1

    client.post(reverse("support:notifications_read_all"))
    assert notification_unread_count(user=partner) == 0
    second.refresh_from_db()
    assert second.read_at is not None


def test_an_outside_link_is_not_followed(client, partner):
    notification = notification_send(
        recipient=partner, category=NotificationCategory.TIER_CHANGE, title="x", url="https://evil.example/"
    )
    response = client.get(reverse("support:notification_open", args=[notification.pk]))
    assert response.url == reverse("support:notifications")


def test_written_in_the_recipients_language(partner):
    membership = partner.membership
    membership.preferred_language = "fr"
    membership.save()

    notification = send(partner, title=_("Your notification choices are saved."))
    deliver()

    assert notification.title == "Vos choix de notification sont enregistrés."
    assert "Ouvrir dans le portail" in mail.outbox[0].body


def test_a_case_answer_reaches_the_partner_in_the_portal_and_by_email(partner):
    from support.services.cases import case_reply
    from tests.factories import UserFactory
    from tests.factories.support import open_case

    case = open_case(partner.membership.organization, partner)
    case_reply(case=case, author=UserFactory(), body="Fixed: please retry.")
    deliver()

    notification = Notification.objects.get(recipient=partner)
    assert notification.url == reverse("support:case_detail", args=[case.pk])
    (email,) = mail.outbox
    assert "Fixed: please retry." in email.body
    assert email.reply_to == [f"portal+case-{case.pk}-{case.reply_token}@localhost"]


def test_an_email_whose_task_was_lost_is_sent_by_beats_sweep_once(partner):
    # Made in the test's transaction, so their e-mail tasks were never queued,
    # as when the broker is unreachable at commit.
    lost = send(partner, title="Your deal Acme was approved")
    send(partner, title="Your deal Globex was approved")  # its task may still be in the queue
    stale = send(partner, title="Your deal Initech was approved")
    digest = send(partner, title="Your deal Umbrella was approved")
    now = timezone.now()
    Notification.objects.filter(pk__in=[lost.pk, digest.pk]).update(created_at=now - timedelta(minutes=6))
    Notification.objects.filter(pk=digest.pk).update(delivery=Delivery.DIGEST)
    Notification.objects.filter(pk=stale.pk).update(created_at=now - timedelta(days=2))

    assert notifications_email_unsent() == 1
    assert [message.subject for message in mail.outbox] == ["Your deal Acme was approved"]
    assert mail.outbox[0].to == ["pat@partner.example"]
    assert notifications_email_unsent() == 0  # once
    assert len(mail.outbox) == 1
    entry = settings.CELERY_BEAT_SCHEDULE["support-unsent-notification-emails"]
    assert entry["task"] == "support.tasks.email_unsent_notifications"
