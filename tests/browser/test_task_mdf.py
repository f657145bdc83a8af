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

from .checks import assert_form_errors_explained, assert_phone_ready
from .demo_data import TASK_USERS
from .phone import Phone, open_from_dashboard


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

    phone.tap_to_page("Request funds")
    assert_phone_ready(page, "request form")
    phone.choose(page.get_by_label("Activity type"), "Event", "Event (activity type)")
    phone.type_all(
        {
            "Title": title,
            "Description": "Breakfast briefing on backup for 30 IT managers.",
            "Activity starts": starts_on.isoformat(),
            "Activity ends": ends_on.isoformat(),
            "Planned total cost": "4000",
            "Requested amount": "1800",
            "Expected leads": "30",
            "Expected pipeline": "90000",
        }
    )
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
    assert_phone_ready(page, "request page")
    phone.assert_within_reach()


def test_a_request_over_the_reimbursable_share_is_explained(page, sign_in, demo):
    """Bad input keeps what was typed and says what to change, on the field."""
    sign_in(demo.user(TASK_USERS["mdf_request"]))
    title = f"Trade show stand {uuid.uuid4().hex[:6]}"
    open_from_dashboard(page, "Request funds")
    page.get_by_label("Activity type").select_option(label="Trade show")
    page.get_by_label("Title").fill(title)
    page.get_by_label("Description").fill("A stand at the regional IT fair.")
    today = timezone.localdate().isoformat()
    page.get_by_label("Activity starts").fill(today)
    page.get_by_label("Activity ends").fill(today)
    page.get_by_label("Planned total cost").fill("1000")
    page.get_by_label("Requested amount").fill("900")
    page.get_by_role("button", name="Send the request").tap()

    assert_form_errors_explained(page, kept={"Title": title})
    assert not FundRequest.objects.filter(title=title).exists()
