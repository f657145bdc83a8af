"""The weekly program digest reaches the channel leaders in their language,
with the week's MDF and content usage of the partners each may see."""

import datetime
import re
from decimal import Decimal
from html import unescape
from urllib.parse import urlsplit

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core import mail
from wagtail.users.models import UserProfile

from analytics.models import ActivityDay, ActivityEvent, ActivityKind, PortfolioSettings
from analytics.services import deal_rollup_refresh
from analytics.tasks import send_program_digest
from content.models import LibraryPage
from programs.formats import money
from programs.models import PartnerOrganization
from search.models import SearchQueryLog, normalize_query
from tests.factories import OrganizationFactory, PartnerUserFactory, TierFactory, UserFactory
from tests.factories.content import asset_type, publish_asset, publish_page
from tests.factories.deals import RoutingRuleFactory, register_deal
from tests.factories.mdf import ActivityTypeFactory, MdfProgramFactory, allocated, auto_approve_all, submit_request
from tests.mdf.test_roi import paid_request

pytestmark = pytest.mark.django_db


def test_channel_leaders_get_last_weeks_figures_in_their_language():
    leaders = Group.objects.create(name="Channel leaders")
    config = PortfolioSettings.load()
    config.digest_group = leaders
    config.save()
    french = UserFactory(email="dominique@vendor.example", groups=["Channel ops"])
    profile = UserProfile.get_for_user(french)
    profile.preferred_language = "fr"
    profile.save()
    english = UserFactory(email="sam@vendor.example", groups=["Channel ops"])
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
    assert english_mail.subject == "Partner program, week of March 2, 2026"
    assert "Active partner accounts: 1 of 2 (50.0 %, target above 60 %)." in english_mail.body
    assert "<svg" in english_mail.alternatives[0][0]
    assert "- No tier: " in english_mail.body
    french_mail = by_recipient["dominique@vendor.example"]
    # The date of the subject written the French way, like the body's.
    assert french_mail.subject == "Programme partenaires, semaine du 2 mars 2026"
    assert "Comptes partenaires actifs : 1 sur 2" in french_mail.body


def test_a_leader_who_sees_no_partners_records_gets_none_of_their_figures():
    leaders = Group.objects.create(name="Channel leaders")
    config = PortfolioSettings.load()
    config.digest_group = leaders
    config.save()
    leaders.user_set.add(UserFactory(email="vp@vendor.example"))
    organization = OrganizationFactory()
    ann = PartnerUserFactory(organization=organization)
    ActivityDay.objects.create(day=datetime.date(2026, 3, 4), organization=organization, user=ann, events=2)

    with time_machine.travel(datetime.datetime(2026, 3, 9, 6, 30, tzinfo=datetime.UTC), tick=False):
        send_program_digest()

    (message,) = mail.outbox
    assert "The digest's figures go to staff who see partner records" in message.body
    for text in (message.body, message.alternatives[0][0]):
        assert "Active partner accounts" not in text
        assert "MDF of the activities starting this week" not in text
        assert "<svg" not in text
        # No link to a page they could not open.
        assert "/admin/analytics/" not in text


def on(day: int, hour: int = 10) -> datetime.datetime:
    return datetime.datetime(2026, 3, day, hour, tzinfo=datetime.UTC)


@pytest.fixture
def portfolios(home_page):
    """The digest of Monday 30 March covers 23–29 March. Casey (French) manages
    Alpha and Beta; Gamma is Dana's. Activities start on 25 March (five days
    after the 20th, when they are requested) unless said otherwise.

    MDF: Alpha's webinar 2,000 USD committed, claimed and paid, and a 500 USD
    one committed only; Beta's 1,200 EUR committed only, and 300 EUR for an
    activity of 6 April (after the week); Gamma's event 4,000 USD committed,
    claimed and paid.
    Downloads in the week: the price list twice by Alpha and once by Beta, the
    pitch deck once by Beta and three times by Gamma; Alpha's price list on
    the 20th is before the week.
    Searches with no result: "helix warranty" by Alpha (24th) and Beta (26th),
    "rebate form" by Gamma (25th); "aurora" found something; Alpha's "old
    query" of the 18th is before the week."""
    leaders = Group.objects.create(name="Channel leaders")
    config = PortfolioSettings.load()
    config.digest_group = leaders
    config.save()
    casey = UserFactory(email="casey@vendor.example", groups=["Channel account managers"])
    profile = UserProfile.get_for_user(casey)
    profile.preferred_language = "fr"
    profile.save()
    ops = UserFactory(email="ops@vendor.example", groups=["Channel ops"])
    leaders.user_set.add(casey, ops)
    alpha = OrganizationFactory(name="Alpha", channel_account_manager=casey)
    beta = OrganizationFactory(name="Beta", channel_account_manager=casey)
    gamma = OrganizationFactory(name="Gamma", channel_account_manager=UserFactory())
    ann, cat, dan = (PartnerUserFactory(organization=organization) for organization in (alpha, beta, gamma))
    library = publish_page(home_page, LibraryPage, title="Library")
    price_list = publish_asset(library, "Storage price list")
    pitch_deck = publish_asset(library, "Backup pitch deck", asset_type=asset_type("pitch-deck"))
    with time_machine.travel(on(20, 12), tick=False):
        auto_approve_all()
        allocated(alpha, "20000")
        allocated(beta, "5000", program=MdfProgramFactory(currency="EUR"))
        allocated(gamma, "20000")
        webinar, event = ActivityTypeFactory(code="webinar"), ActivityTypeFactory(code="event")
        paid_request(alpha, webinar, requested="2000", approved="2000")
        submit_request(alpha, activity_type=webinar, requested_amount=Decimal("500"))
        submit_request(beta, activity_type=event, requested_amount=Decimal("1200"))
        submit_request(
            beta,
            activity_type=event,
            requested_amount=Decimal("300"),
            starts_on=datetime.date(2026, 4, 6),
            ends_on=datetime.date(2026, 4, 7),
        )
        paid_request(gamma, event, requested="4000", approved="4000")
    for organization, user, asset, at in (
        (alpha, ann, price_list, on(24)),
        (alpha, ann, price_list, on(25)),
        (beta, cat, price_list, on(26)),
        (beta, cat, pitch_deck, on(27)),
        (gamma, dan, pitch_deck, on(24)),
        (gamma, dan, pitch_deck, on(25)),
        (gamma, dan, pitch_deck, on(26)),
        (alpha, ann, price_list, on(20)),
    ):
        ActivityEvent.objects.create(
            organization=organization, user=user, kind=ActivityKind.DOWNLOAD, object_id=asset.pk, at=at
        )
    for organization, query, results, at in (
        (alpha, "Helix warranty", 0, on(24)),
        (beta, "helix  WARRANTY", 0, on(26)),
        (gamma, "rebate form", 0, on(25)),
        (alpha, "aurora", 5, on(25)),
        (alpha, "old query", 0, on(18)),
    ):
        SearchQueryLog.objects.create(
            organization=organization,
            query=query,
            normalized_query=normalize_query(query),
            results=results,
            created_at=at,
        )


def send_monday_digest() -> dict:
    with time_machine.travel(datetime.datetime(2026, 3, 30, 6, 30, tzinfo=datetime.UTC), tick=False):
        send_program_digest()
    return {message.to[0]: message for message in mail.outbox}


def test_channel_ops_read_the_weeks_mdf_per_currency_and_content_usage_of_every_partner(portfolios):
    ops_mail = send_monday_digest()["ops@vendor.example"]

    body = ops_mail.body
    assert "MDF and content usage, March 23, 2026 to March 29, 2026" in body
    # USD: 2,000 + 500 (Alpha) + 4,000 (Gamma) committed, 2,000 + 4,000 claimed and paid; EUR apart.
    assert "- EUR: €1,200.00 committed, €0.00 claimed, €0.00 paid\n- USD: $6,500.00 committed" in body
    assert "- USD: $6,500.00 committed, $6,000.00 claimed, $6,000.00 paid" in body
    assert "$7,700.00" not in body  # never one figure of mixed currencies
    assert "- Backup pitch deck: 4 downloads\n- Storage price list: 3 downloads\n" in body
    assert (
        '- "helix warranty": 2 searches, last on March 26, 2026\n- "rebate form": 1 search, last on March 25, 2026\n'
    ) in body
    assert "old query" not in body and "aurora" not in body
    assert "the partners you manage" not in body
    html = ops_mail.alternatives[0][0]
    assert "<tr><td>USD</td><td>$6,500.00</td><td>$6,000.00</td><td>$6,000.00</td></tr>" in html
    assert "<tr><td>Backup pitch deck</td><td>4</td></tr>" in html
    assert "/admin/analytics/content/?start=2026-03-23&amp;end=2026-03-29" in html


def test_a_cams_digest_holds_their_portfolios_figures_only_in_their_language(portfolios):
    casey_mail = send_monday_digest()["casey@vendor.example"]

    body = casey_mail.body
    assert "du 23 mars 2026 au 29 mars 2026" in body
    assert "Ces chiffres portent sur les partenaires que vous gérez." in body
    # Alpha's 2,000 + 500 USD (Gamma's 4,000 is Dana's), Beta's 1,200 EUR, amounts written the French way.
    usd = [money(Decimal(amount), "USD", language="fr") for amount in ("2500", "2000", "2000")]
    assert usd[0] == "2\u00a0500,00\u00a0$"
    assert (
        "- EUR : {} engagés, {} réclamés, {} payés".format(
            *(money(Decimal(amount), "EUR", language="fr") for amount in ("1200", "0", "0"))
        )
        in body
    )
    assert "- USD : {} engagés, {} réclamés, {} payés".format(*usd) in body
    assert "- Storage price list : 3 téléchargements\n- Backup pitch deck : 1 téléchargement\n" in body
    assert "« helix warranty » : 2 recherches, la dernière le 26 mars 2026" in body
    # Nothing of Gamma's: its MDF, its pitch deck downloads, its empty search.
    html = casey_mail.alternatives[0][0]
    for text in (body, html):
        assert "rebate form" not in text
        assert money(Decimal("6500"), "USD", language="fr") not in text
        assert money(Decimal("4000"), "USD", language="fr") not in text
        assert "Backup pitch deck : 4" not in text
    assert "<tr><td>Backup pitch deck</td><td>1</td></tr>" in html


@pytest.fixture
def two_partners():
    """The digest of Monday 9 March covers 2–8 March. Casey manages Alpha
    (Gold), not Beta (Silver); both leaders read the digest.

    Alpha: Ann, active on the 4th; one registration of 10,000 USD on the 4th;
    created 1 March, first action 3 March (2 days).
    Beta: Bob and Cat active, Dan not; three registrations of 20,000 USD;
    created 1 February, first action 7 February (6 days)."""
    leaders = Group.objects.create(name="Channel leaders")
    config = PortfolioSettings.load()
    config.digest_group = leaders
    config.save()
    casey = UserFactory(email="casey@vendor.example", groups=["Channel account managers"])
    ops = UserFactory(email="ops@vendor.example", groups=["Channel ops"])
    leaders.user_set.add(casey, ops)
    RoutingRuleFactory(name="Standard")
    alpha = OrganizationFactory(name="Alpha", tier=TierFactory(name="Gold"), channel_account_manager=casey)
    beta = OrganizationFactory(name="Beta", tier=TierFactory(name="Silver"), channel_account_manager=UserFactory())
    ann = PartnerUserFactory(organization=alpha, roles=["sales"])
    bob, cat, _dan = (PartnerUserFactory(organization=beta, roles=["sales"]) for _ in range(3))
    for organization, user in ((alpha, ann), (beta, bob), (beta, cat)):
        ActivityDay.objects.create(day=datetime.date(2026, 3, 4), organization=organization, user=user, events=1)
    with time_machine.travel(on(4), tick=False):
        register_deal(alpha, ann, company_name="Initech", domain="initech.example", estimated_value=Decimal("10000"))
        for number in range(3):
            register_deal(
                beta,
                bob,
                company_name=f"Customer {number}",
                domain=f"customer{number}.example",
                estimated_value=Decimal("20000"),
            )
    for organization, created, acted in ((alpha, on(1), on(3)), (beta, on(1) - FEBRUARY, on(7) - FEBRUARY)):
        PartnerOrganization.objects.filter(pk=organization.pk).update(created_at=created, first_action_at=acted)
    deal_rollup_refresh()  # as the worker leaves it once the registrations are committed
    return {"casey": casey, "ops": ops}


#: from a day of March to the same day of February 2026
FEBRUARY = datetime.timedelta(days=28)


def send_digest_of_march_9() -> dict:
    with time_machine.travel(datetime.datetime(2026, 3, 9, 6, 30, tzinfo=datetime.UTC), tick=False):
        send_program_digest()
    return {message.to[0]: message for message in mail.outbox}


def test_a_cams_portal_health_and_pipeline_cover_their_partners_only(two_partners):
    body = send_digest_of_march_9()["casey@vendor.example"].body

    assert "These figures cover the partners you manage." in body
    assert "Active partner accounts: 1 of 1 (100.0 %, target above 60 %)." in body
    assert "Deal registrations: 1 (1.00 per active partner)." in body
    assert "Median time to first action of new partners: 2.0 days (target: under 7)." in body
    assert "- Gold: $10,000.00 / $0.00" in body
    assert "Silver" not in body and "$60,000.00" not in body


def test_channel_ops_read_the_program_wide_portal_health_and_pipeline(two_partners):
    body = send_digest_of_march_9()["ops@vendor.example"].body

    assert "the partners you manage" not in body
    assert "Active partner accounts: 3 of 4 (75.0 %, target above 60 %)." in body
    assert "Deal registrations: 4 (2.00 per active partner)." in body
    assert "Median time to first action of new partners: 4.0 days (target: under 7)." in body
    assert "- Gold: $10,000.00 / $0.00" in body and "- Silver: $60,000.00 / $0.00" in body


def admin_link(message, label: str) -> str:
    """The path of the link labelled ``label`` in the HTML part."""
    html = message.alternatives[0][0]
    match = re.search(rf'<a href="([^"]+)">{re.escape(label)}</a>', html)
    assert match, html
    url = urlsplit(unescape(match.group(1)))
    assert f"{url.path}?{url.query}" in message.body or url.path in message.body
    return f"{url.path}?{url.query}" if url.query else url.path


@pytest.mark.parametrize(
    ("recipient", "label", "shown"),
    [("casey", "Your partner portfolio", "Alpha"), ("ops", "Program analytics", "Silver")],
)
def test_each_recipient_is_linked_to_a_page_they_may_open(two_partners, client, recipient, label, shown):
    message = send_digest_of_march_9()[f"{recipient}@vendor.example"]
    path = admin_link(message, label)
    client.force_login(two_partners[recipient])

    response = client.get(path)

    assert response.status_code == 200
    assert shown in response.content.decode()


def test_the_program_report_link_shows_the_weeks_of_the_digests_chart(two_partners):
    message = send_digest_of_march_9()["ops@vendor.example"]

    assert admin_link(message, "Program analytics") == "/admin/analytics/program/?start=2026-01-12&end=2026-03-08"
