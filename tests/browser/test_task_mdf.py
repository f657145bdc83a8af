"""Self-service task "request MDF funds", on a phone, from the dashboard: the
request form in one tap, sent in three, then the confirmation with the next
step and the request's status, as the partner sees them."""

import datetime
import re
import uuid

from django.utils import timezone
from playwright.sync_api import expect

from mdf.models import FundRequest, RequestStatus
from mdf.selectors import allocation_balance, current_allocation
from programs.formats import money

from .checks import phone_page_problems
from .demo_data import TASK_USERS
from .phone import Phone


def test_request_mdf_funds(page, sign_in, demo):
    user = sign_in(demo.user(TASK_USERS["mdf_request"]))
    organization = user.membership.organization
    allocation = current_allocation(organization=organization)
    assert allocation is not None, "the demo partner should have an MDF allocation for this period"
    available = allocation_balance(allocation=allocation).available
    title = f"Customer breakfast {uuid.uuid4().hex[:6]}"
    starts_on = timezone.localdate()
    ends_on = min(starts_on + datetime.timedelta(days=7), allocation.program.ends_on)
    phone = Phone(page, "request MDF funds")
    phone.open_dashboard()
    # The balance is on the dashboard already, in the reader's money format.
    expect(page.locator("main")).to_contain_text(money(available, allocation.currency))

    phone.tap(page.get_by_role("link", name="Request funds"), "Request funds")
    expect(page.get_by_role("heading", level=1, name="Request funds")).to_be_visible()
    assert not (problems := phone_page_problems(page)), "request form:\n" + "\n".join(problems)
    phone.choose(page.get_by_label("Activity type"), "Event", "Event (activity type)")
    phone.type(page.get_by_label("Title"), title)
    phone.type(page.get_by_label("Description"), "Breakfast briefing on backup for 30 IT managers.")
    phone.type(page.get_by_label("Activity starts"), starts_on.isoformat())
    phone.type(page.get_by_label("Activity ends"), ends_on.isoformat())
    phone.type(page.get_by_label("Planned total cost"), "4000")
    phone.type(page.get_by_label("Requested amount"), "1800")
    phone.type(page.get_by_label("Expected leads"), "30")
    phone.type(page.get_by_label("Expected pipeline"), "90000")
    phone.tap(page.get_by_role("button", name="Send the request"), "Send the request")

    # Confirmation with the next step, then the request itself with its status.
    expect(page.get_by_role("status")).to_contain_text("Request sent. You will be told when it is reviewed.")
    expect(page.get_by_role("heading", level=1, name=title)).to_be_visible()
    fund_request = FundRequest.objects.get(title=title)
    assert fund_request.organization == organization
    assert fund_request.submitted_by == user
    assert fund_request.status == RequestStatus.PENDING
    main = page.locator("main")
    expect(main).to_contain_text(fund_request.get_status_display())
    expect(main).to_contain_text(re.compile(r"Waiting for (your channel manager|the program team) since"))
    expect(main).to_contain_text(money(fund_request.requested_amount, fund_request.currency))
    assert not (problems := phone_page_problems(page)), "request page:\n" + "\n".join(problems)
    phone.assert_within_reach()


def test_a_request_over_the_reimbursable_share_is_explained(page, sign_in, demo):
    """Bad input keeps what was typed and says what to change, on the field."""
    sign_in(demo.user(TASK_USERS["mdf_request"]))
    title = f"Trade show stand {uuid.uuid4().hex[:6]}"
    page.goto("/dashboard/")
    page.get_by_role("link", name="Request funds").filter(visible=True).first.tap()
    page.get_by_label("Activity type").select_option(label="Trade show")
    page.get_by_label("Title").fill(title)
    page.get_by_label("Description").fill("A stand at the regional IT fair.")
    today = timezone.localdate().isoformat()
    page.get_by_label("Activity starts").fill(today)
    page.get_by_label("Activity ends").fill(today)
    page.get_by_label("Planned total cost").fill("1000")
    page.get_by_label("Requested amount").fill("900")
    page.get_by_role("button", name="Send the request").tap()

    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    expect(page.get_by_label("Title")).to_have_value(title)
    assert not FundRequest.objects.filter(title=title).exists()
    assert not (problems := phone_page_problems(page)), "form with errors:\n" + "\n".join(problems)
