"""Arabic, right to left, added as configuration: a locale created the way
Settings → Locales creates it appears in the language switcher, the partner
shell mirrors (``dir="rtl"``, logical CSS properties), and the dashboard and
the deal form read in Arabic on a phone with axe and the phone checks passing.
Screenshots of both pages are kept in the browser artifacts."""

import pytest
from playwright.sync_api import expect
from wagtail.models import Locale

from .checks import phone_page_problems
from .conftest import ARTIFACTS
from .demo_data import TASK_USERS


@pytest.fixture
def arabic_locale():
    locale, created = Locale.objects.get_or_create(language_code="ar")
    yield locale
    if created:
        locale.delete()


def box(locator) -> dict:
    return locator.bounding_box()


def test_an_arabic_partner_reads_the_dashboard_and_the_deal_form_right_to_left(page, sign_in, demo, arabic_locale):
    sign_in(demo.user(TASK_USERS["deal_register"]))
    page.goto("/menu/")
    switcher = page.get_by_role("combobox", name="Language")
    expect(switcher.locator("option[value=ar]")).to_have_text("العربيّة")
    switcher.select_option("ar")
    page.wait_for_url("**/ar/menu/")

    page.get_by_role("navigation", name="التنقل السريع").get_by_role("link", name="الرئيسية").click()
    page.wait_for_url("**/ar/dashboard/")
    html = page.locator("html")
    expect(html).to_have_attribute("dir", "rtl")
    expect(html).to_have_attribute("lang", "ar")
    register = page.get_by_role("link", name="تسجيل صفقة")
    expect(register).to_be_visible()
    # Mirrored: the card's text starts at the right edge, the first tab sits on the right.
    tabs = page.get_by_role("navigation", name="التنقل السريع").get_by_role("link")
    assert box(tabs.first)["x"] > box(tabs.last)["x"]
    assert page.evaluate("getComputedStyle(document.querySelector('main')).direction") == "rtl"
    assert phone_page_problems(page) == []
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / "rtl-dashboard-ar.png", full_page=True)

    register.click()
    page.wait_for_url("**/ar/deals/new/")
    expect(page.get_by_role("heading", level=1, name="تسجيل صفقة")).to_be_visible()
    company = page.get_by_label("شركة العميل النهائي")
    expect(company).to_be_visible()
    expect(page.get_by_role("button", name="إرسال التسجيل")).to_be_visible()
    assert page.evaluate("el => getComputedStyle(el).direction", company.element_handle()) == "rtl"
    assert phone_page_problems(page) == []
    page.screenshot(path=ARTIFACTS / "rtl-deal-form-ar.png", full_page=True)
