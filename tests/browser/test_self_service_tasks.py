"""The self-service tasks partners do most, on a phone, from the dashboard:
each within three taps (typing not counted), each checked the way the
partner would check it. Tasks from later issues (MDF, support, scorecard)
join this module when their pages exist."""

import datetime
import re
import uuid

from django.utils import timezone
from playwright.sync_api import expect

from content.models import AssetDownload, CobrandTemplatePage, CourseEnrollment, CoursePage
from deals.models import DealRegistration, DealStatus
from programs.services.tiers import tier_progress

from .demo_data import APPROVED_DEAL_COMPANY, TASK_USERS
from .phone import Phone


def test_submit_a_deal_registration(page, sign_in, demo, celery_worker):
    user = sign_in(demo.user(TASK_USERS["deal_register"]))
    company = f"Summit Retail {uuid.uuid4().hex[:6]}"
    phone = Phone(page, "submit a deal registration")
    phone.open_dashboard()

    phone.tap(page.get_by_role("link", name="Register a deal"), "Register a deal")
    phone.type(page.get_by_label("End customer company"), company)
    phone.tick(page.get_by_role("checkbox", name="Storage"), "Storage (product line)")
    phone.type(page.get_by_label("Estimated value"), "36000")
    phone.type(
        page.get_by_label("Expected close date"), (timezone.localdate() + datetime.timedelta(days=45)).isoformat()
    )
    phone.type(page.get_by_label("Customer contact name"), "Robin Ames")
    phone.tap(page.get_by_role("button", name="Submit registration"), "Submit registration")

    expect(page.get_by_role("heading", level=1, name=company)).to_be_visible()
    deal = DealRegistration.objects.get(company_name=company)
    assert deal.organization == user.membership.organization
    assert deal.submitted_by == user
    expect(page.locator("main")).to_contain_text(deal.partner_status_text)
    phone.assert_within_reach()


def test_check_a_registrations_approval_status(page, sign_in, demo):
    sign_in(demo.user(TASK_USERS["deal_status"]))
    deal = DealRegistration.objects.get(pk=demo.approved_deal_id)
    assert deal.status == DealStatus.APPROVED
    phone = Phone(page, "check a registration's approval status")
    phone.open_dashboard()

    phone.tap(page.get_by_role("link", name="Deals", exact=True), "Deals")
    phone.tap(page.get_by_role("link", name=APPROVED_DEAL_COMPANY), APPROVED_DEAL_COMPANY)

    expect(page.get_by_role("heading", level=1, name=APPROVED_DEAL_COMPANY)).to_be_visible()
    main = page.locator("main")
    expect(main).to_contain_text("Approved")
    expect(main).to_contain_text("Protected until")
    phone.assert_within_reach()


def test_open_a_co_branded_email_template(page, sign_in, demo):
    user = sign_in(demo.user(TASK_USERS["cobrand_email"]))
    organization = user.membership.organization
    template = CobrandTemplatePage.objects.live().get(slug="backup-review-email", locale__language_code="en")
    phone = Phone(page, "open a co-branded email template")
    phone.open_dashboard()

    phone.open_co_branded_email(content="Content", template_title=template.title, organization=organization)
    phone.assert_within_reach()


def test_download_a_product_data_sheet(page, sign_in, demo):
    user = sign_in(demo.user(TASK_USERS["data_sheet"]))
    phone = Phone(page, "download a product data sheet")
    phone.open_dashboard()

    data_sheet = page.get_by_role("listitem").filter(has_text="Cloud Backup data sheet")
    with page.expect_download() as download_info:
        phone.tap(data_sheet.get_by_role("link", name=re.compile("Download")), "Download (Cloud Backup data sheet)")

    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    with open(download.path(), "rb") as file:
        assert file.read(5) == b"%PDF-"
    assert AssetDownload.objects.filter(user=user, asset__title="Cloud Backup data sheet").exists()
    phone.assert_within_reach()


def test_review_tier_status_and_advancement_requirements(page, sign_in, demo):
    user = sign_in(demo.user(TASK_USERS["tier_status"]))
    progress = tier_progress(organization=user.membership.organization)
    assert progress.next_tier is not None and progress.missing, "the demo partner should have a tier to reach"
    phone = Phone(page, "review tier status and advancement requirements")
    phone.open_dashboard()

    phone.tap(page.get_by_role("link", name="Tier details and benefits"), "Tier details and benefits")

    main = page.locator("main")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(main).to_contain_text(progress.current_tier.name)
    expect(main).to_contain_text(f"To reach {progress.next_tier.name}")
    for requirement in progress.missing:
        expect(main.get_by_text(requirement, exact=True)).to_be_visible()
    phone.assert_within_reach()


def test_enroll_in_a_certification_course(page, sign_in, demo):
    user = sign_in(demo.user(TASK_USERS["course_enroll"]))
    course = CoursePage.objects.get(pk=demo.started_course_id)
    assert not CourseEnrollment.objects.filter(user=user, course=course).exists()
    phone = Phone(page, "enroll in a certification course")
    phone.open_dashboard()

    phone.tap(page.get_by_role("link", name="Content", exact=True), "Content")
    phone.tap(page.get_by_role("link", name=course.title), course.title)
    phone.tap(page.get_by_role("button", name="Start the course"), "Start the course")

    # Enrolled: the course now offers to record its completion.
    expect(page.get_by_role("button", name="Mark as complete")).to_be_visible()
    assert CourseEnrollment.objects.filter(user=user, course=course, completed_at__isnull=True).exists()
    phone.assert_within_reach()


def test_check_certification_progress(page, sign_in, demo):
    user = sign_in(demo.user(TASK_USERS["certification_progress"]))
    course = CoursePage.objects.get(pk=demo.started_course_id)
    assert CourseEnrollment.objects.filter(user=user, course=course, completed_at__isnull=True).exists()
    phone = Phone(page, "check certification progress")
    phone.open_dashboard()

    phone.tap(page.get_by_role("link", name="Training", exact=True), "Training")

    course_entry = page.get_by_role("listitem").filter(has=page.get_by_role("link", name=course.title))
    expect(course_entry).to_contain_text("In progress")
    phone.assert_within_reach()
