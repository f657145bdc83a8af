"""Self-service task: "view their performance scorecard", on a phone, from
the dashboard within three taps; the dashboard and the scorecard are axe clean."""

from playwright.sync_api import expect

from analytics.scorecard import organization_scorecard

from .checks import phone_page_problems
from .demo_data import TASK_USERS
from .phone import Phone


def test_view_the_performance_scorecard(page, sign_in, demo):
    user = sign_in(demo.user(TASK_USERS["tier_status"]))
    card = organization_scorecard(organization=user.membership.organization)
    phone = Phone(page, "view their performance scorecard")
    phone.open_dashboard()
    problems = phone_page_problems(page)
    assert not problems, "dashboard:\n" + "\n".join(problems)

    phone.tap(page.get_by_role("link", name="View your performance scorecard"), "View your performance scorecard")

    expect(page.get_by_role("heading", level=1, name="Performance scorecard")).to_be_visible()
    main = page.locator("main")
    for tile in card.tiles:
        expect(main).to_contain_text(tile["label"])
        expect(main).to_contain_text(tile["value"])
    expect(main.get_by_role("link", name="Download PDF")).to_be_visible()
    problems = phone_page_problems(page)
    assert not problems, "scorecard:\n" + "\n".join(problems)
    phone.assert_within_reach()
