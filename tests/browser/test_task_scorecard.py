"""Self-service task: "view their performance scorecard", on a phone, from
the dashboard within three taps; the dashboard and the scorecard are axe clean."""

from playwright.sync_api import expect

from analytics.scorecard import organization_scorecard

from .checks import assert_phone_ready
from .demo_data import TASK_USERS
from .phone import Phone


def test_view_the_performance_scorecard(page, sign_in, demo):
    user = sign_in(demo.user(TASK_USERS["tier_status"]))
    card = organization_scorecard(organization=user.membership.organization)
    phone = Phone(page, "view their performance scorecard")
    phone.open_dashboard()
    assert_phone_ready(page, "dashboard")

    phone.tap_to_page("View your performance scorecard", heading="Performance scorecard")

    main = page.locator("main")
    for tile in card.tiles:
        expect(main).to_contain_text(tile["label"])
        expect(main).to_contain_text(tile["value"])
    expect(main.get_by_role("link", name="Download PDF")).to_be_visible()
    assert_phone_ready(page, "scorecard")
    phone.assert_within_reach()
