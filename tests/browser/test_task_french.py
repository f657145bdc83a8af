"""The self-service tasks for a partner who reads the portal in French
(Tailspin Cloud SAS): the same taps from the dashboard, French words on the
controls, and dates and money written the French way (``15 janvier 2027``,
``36 000,00 $``). The texts are written out, as a French reader sees them,
so an English fallback fails the test."""

import datetime
import uuid

from django.utils import timezone, translation
from django.utils.formats import date_format
from playwright.sync_api import expect

from deals.models import DealRegistration
from home.management.commands.seed_demo import DEMO_PARTNER_PASSWORD
from programs.formats import money
from programs.services.tiers import tier_progress

from .checks import assert_phone_ready
from .demo_data import TASK_USERS
from .phone import Phone

FRENCH_MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


def log_in(page, user):
    """Through the login form, as a partner does: it lands them in their
    language and remembers it for the portal's unprefixed links."""
    page.goto("/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(DEMO_PARTNER_PASSWORD)
    page.get_by_role("button", name="Log in").tap()
    page.wait_for_url("**/fr/**")
    return user


def _in_french(function, *args, **kwargs):
    with translation.override("fr"):
        return function(*args, **kwargs)


def test_submit_a_deal_registration_in_french(page, demo, celery_worker):
    user = log_in(page, demo.user(TASK_USERS["french_deal_register"]))
    assert user.membership.organization.preferred_language == "fr"
    company = f"Boulangeries Réunies {uuid.uuid4().hex[:6]}"
    close_date = timezone.localdate() + datetime.timedelta(days=45)
    phone = Phone(page, "submit a deal registration (French)")
    phone.open_dashboard()
    expect(page.locator("html")).to_have_attribute("lang", "fr")

    phone.tap(page.get_by_role("link", name="Enregistrer une affaire"), "Enregistrer une affaire")
    phone.type(page.get_by_label("Société cliente finale"), company)
    phone.tick(page.get_by_role("checkbox", name="Stockage"), "Stockage (gamme de produits)")
    phone.type(page.get_by_label("Valeur estimée"), "36000")
    phone.type(page.get_by_label("Date de conclusion prévue"), close_date.isoformat())
    phone.type(page.get_by_label("Nom du contact client"), "Camille Durand")
    phone.tap(page.get_by_role("button", name="Envoyer l’enregistrement"), "Envoyer l’enregistrement")

    expect(page.get_by_role("heading", level=1, name=company)).to_be_visible()
    deal = DealRegistration.objects.get(company_name=company)
    assert deal.organization == user.membership.organization
    main = page.locator("main")
    expect(main).to_contain_text(_in_french(lambda: deal.partner_status_text))
    # Money and dates as French readers write them.
    french_value = money(deal.estimated_value, deal.currency, language="fr")
    assert "36\u202f000,00" in french_value or "36\u00a0000,00" in french_value, french_value
    expect(main).to_contain_text(french_value)
    french_date = _in_french(date_format, close_date, "DATE_FORMAT")
    assert french_date.split()[1] in FRENCH_MONTHS, french_date
    expect(main).to_contain_text(french_date)
    assert_phone_ready(page, "deal page")
    phone.assert_within_reach()


def test_review_tier_status_in_french(page, demo):
    user = log_in(page, demo.user(TASK_USERS["french_tier_status"]))
    progress = _in_french(tier_progress, organization=user.membership.organization)
    assert progress.next_tier is not None and progress.missing, "the demo partner should have a tier to reach"
    phone = Phone(page, "review tier status and advancement requirements (French)")
    phone.open_dashboard()

    phone.tap(page.get_by_role("link", name="Détails et avantages du niveau"), "Détails et avantages du niveau")

    main = page.locator("main")
    expect(page.get_by_role("heading", level=1, name="Votre niveau")).to_be_visible()
    # Tier names are the Localization team's French ones.
    assert progress.next_tier.name == "Argent", progress.next_tier.name
    expect(main).to_contain_text(progress.current_tier.name)
    expect(main).to_contain_text(f"Pour atteindre {progress.next_tier.name}")
    for requirement in progress.missing:
        expect(main.get_by_text(requirement, exact=True)).to_be_visible()
    # The revenue figure in French number format.
    revenue = money(progress.metrics.won_revenue, progress.metrics.currency, language="fr")
    assert "," in revenue, revenue
    expect(main).to_contain_text(revenue)
    assert_phone_ready(page, "tier page")
    phone.assert_within_reach()
