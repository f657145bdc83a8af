"""A Japanese partner reads the portal in Japanese: the interface, emails,
dates and money as CLDR (Babel) writes them in Japanese, and people's names
in the order their script uses (山田 太郎, family name first)."""

import datetime
import unicodedata
from decimal import Decimal
from types import SimpleNamespace

import pytest
import time_machine
from babel.dates import format_date
from babel.numbers import format_currency
from django.core import mail
from django.test import Client
from django.utils import formats, translation

from deals.tasks import expire_deal_protections
from programs.formats import money, person_name
from tests.factories import OrganizationFactory, PartnerUserFactory, TierFactory
from tests.factories.deals import RoutingRuleFactory, register_deal
from tests.notifications import deliver_notifications


def same_text(ours: str, cldr: str) -> bool:
    """Equal up to width and space variants (CLDR's ￥ and narrow spaces)."""
    return unicodedata.normalize("NFKC", ours) == unicodedata.normalize("NFKC", cldr)


@pytest.mark.parametrize("currency", ["JPY", "USD", "EUR"])
def test_money_in_japanese_is_written_as_cldr_writes_it(currency):
    ours = money(Decimal("1234567.891"), currency, language="ja")

    assert same_text(ours, format_currency(Decimal("1234567.891"), currency, locale="ja_JP")), ours


def test_yen_has_no_minor_unit():
    assert money(Decimal("1234.5"), "JPY", language="ja") == "¥1,235"


def test_dates_in_japanese_are_written_as_cldr_writes_them():
    day = datetime.date(2027, 3, 1)
    with translation.override("ja"):
        long_date = formats.date_format(day, "DATE_FORMAT")
        short_date = formats.date_format(day, "SHORT_DATE_FORMAT")

    assert long_date == format_date(day, "long", locale="ja") == "2027年3月1日"
    assert short_date == format_date(day, "short", locale="ja") == "2027/03/01"


def test_names_follow_the_order_of_their_script():
    assert person_name(SimpleNamespace(first_name="太郎", last_name="山田")) == "山田 太郎"
    assert person_name(SimpleNamespace(first_name="Jane", last_name="Smith")) == "Jane Smith"
    assert person_name(SimpleNamespace(first_name="", last_name="")) == ""


@pytest.mark.django_db
def test_a_japanese_partner_uses_the_portal_in_japanese():
    organization = OrganizationFactory(name="東京ストレージ株式会社", preferred_language="ja")
    owner = PartnerUserFactory(organization=organization, roles=["owner"], first_name="太郎", last_name="山田")
    client = Client()
    client.force_login(owner)

    dashboard = client.get("/ja/dashboard/").text
    team = client.get("/ja/team/").text

    assert '<html lang="ja" dir="ltr">' in dashboard
    assert "案件を登録" in dashboard and "Register a deal" not in dashboard
    assert "山田 太郎" in team


@pytest.mark.django_db
def test_a_japanese_partner_is_reminded_in_japanese_with_a_japanese_date(django_capture_on_commit_callbacks):
    start = datetime.datetime(2027, 3, 1, 9, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False):
        RoutingRuleFactory()
        organization = OrganizationFactory(tier=TierFactory(deal_protection_days=30), preferred_language="ja")
        seller = PartnerUserFactory(organization=organization, roles=["sales"], email="eigyo@partner.example")
        register_deal(organization, seller, company_name="大阪商事")

    with (
        time_machine.travel(start + datetime.timedelta(days=16), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        expire_deal_protections()
        deliver_notifications()

    assert [message.subject for message in mail.outbox] == ["大阪商事 の案件保護はあと 14 日で終了します"]
    assert "2027年3月31日" in mail.outbox[0].body
