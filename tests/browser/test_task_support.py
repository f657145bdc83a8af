"""Self-service task "submit a support ticket", on a phone, from the
dashboard: the case form in one tap, sent in three, then the confirmation
with the next step and the SLA the partner can hold us to."""

import re
import uuid

from playwright.sync_api import expect

from support.models import Case, CaseStatus

from .checks import assert_form_errors_explained, assert_phone_ready
from .demo_data import TASK_USERS
from .phone import Phone, open_from_dashboard


def test_submit_a_support_ticket(page, sign_in, demo):
    user = sign_in(demo.user(TASK_USERS["support_case"]))
    subject = f"Cannot download the price list {uuid.uuid4().hex[:6]}"
    phone = Phone(page, "submit a support ticket")
    phone.open_dashboard()

    phone.tap_to_page("Open a case")
    assert_phone_ready(page, "case form")
    phone.choose(page.get_by_label("What is it about?"), "Portal access", "Portal access (category)")
    phone.type(page.get_by_label("Subject"), subject)
    phone.type(page.get_by_label("Description"), "The Storage price list link answers with an error since Monday.")
    phone.tap(page.get_by_role("button", name="Send the case"), "Send the case")

    expect(page.get_by_role("heading", level=1, name=subject)).to_be_visible()
    case = Case.objects.get(subject=subject)
    assert case.organization == user.membership.organization
    assert case.opened_by == user
    assert case.status == CaseStatus.NEW
    # Confirmation with what happens next, then the case with its SLA.
    expect(page.get_by_role("status")).to_contain_text(f"Case {case.number} is open. We answer here and by email")
    main = page.locator("main")
    expect(main).to_contain_text(case.get_status_display())
    expect(main).to_contain_text(re.compile(r"First answer (due in|overdue)"))
    assert_phone_ready(page, "case page")
    phone.assert_within_reach()


def test_a_case_without_a_description_is_explained(page, sign_in, demo):
    """Bad input keeps what was typed and says what is missing, on the field."""
    sign_in(demo.user(TASK_USERS["support_case"]))
    subject = f"Half-filled case {uuid.uuid4().hex[:6]}"
    open_from_dashboard(page, "Open a case")
    page.get_by_label("Subject").fill(subject)
    page.get_by_role("button", name="Send the case").tap()

    summary = assert_form_errors_explained(page, kept={"Subject": subject})
    expect(summary.get_by_role("link", name=re.compile("^Description"))).to_be_visible()
    assert not Case.objects.filter(subject=subject).exists()
