"""The weekly program digest reaches the channel leaders in their language."""

import datetime

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core import mail
from wagtail.users.models import UserProfile

from analytics.models import ActivityDay, PortfolioSettings
from analytics.tasks import send_program_digest
from tests.factories import OrganizationFactory, PartnerUserFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_channel_leaders_get_last_weeks_figures_in_their_language():
    leaders = Group.objects.create(name="Channel leaders")
    config = PortfolioSettings.load()
    config.digest_group = leaders
    config.save()
    french = UserFactory(email="dominique@vendor.example")
    profile = UserProfile.get_for_user(french)
    profile.preferred_language = "fr"
    profile.save()
    english = UserFactory(email="sam@vendor.example")
    leaders.user_set.add(french, english)
    UserFactory(email="not-a-leader@vendor.example")
    organization = OrganizationFactory()
    ann, _bob = PartnerUserFactory(organization=organization), PartnerUserFactory(organization=organization)
    ActivityDay.objects.create(day=datetime.date(2026, 3, 4), organization=organization, user=ann, events=2)

    with time_machine.travel(datetime.datetime(2026, 3, 9, 6, 30, tzinfo=datetime.UTC), tick=False):
        send_program_digest()

    by_recipient = {message.to[0]: message for message in mail.outbox}
    assert set(by_recipient) == {"dominique@vendor.example", "sam@vendor.example"}
    english_mail = by_recipient["sam@vendor.example"]
    assert english_mail.subject == "Partner program, week of 2026-03-02"
    assert "Active partner accounts: 1 of 2 (50.0 %, target above 60 %)." in english_mail.body
    assert "<svg" in english_mail.alternatives[0][0]
    assert "- No tier: " in english_mail.body
    assert by_recipient["dominique@vendor.example"].subject == "Programme partenaires, semaine du 2026-03-02"
