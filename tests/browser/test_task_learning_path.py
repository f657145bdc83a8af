"""A partner technician completes a short learning path on a phone from the
dashboard: reads the lessons, passes the assessment, downloads the
certificate; every page on the way is clean for axe and fits the phone."""

import re

from playwright.sync_api import expect

from programs.models import EarnedThrough, PersonCertification
from training.demo import DEMO_ASSESSED_COURSE_TITLE, DEMO_CERTIFICATION_CODE, DEMO_PATH_TITLE

from .checks import assert_phone_ready
from .demo_data import TASK_USERS
from .phone import Phone


def test_complete_a_learning_path_and_download_the_certificate(page, sign_in, demo):
    user = sign_in(demo.user(TASK_USERS["learning_path"]))
    assert not PersonCertification.objects.filter(user=user, certification__code=DEMO_CERTIFICATION_CODE).exists()
    reach = Phone(page, "open a learning path")
    reach.open_dashboard()
    reach.tap(page.get_by_role("link", name="Training", exact=True), "Training")
    expect(page.get_by_role("heading", level=1, name="Training")).to_be_visible()
    assert_phone_ready(page, "training")
    reach.tap(page.get_by_role("link", name=DEMO_PATH_TITLE), DEMO_PATH_TITLE)
    expect(page.get_by_role("heading", level=1, name=DEMO_PATH_TITLE)).to_be_visible()
    reach.assert_within_reach()
    assert_phone_ready(page, "learning path")

    # The first course has no assessment: the technician marks it complete.
    study = Phone(page, "complete the learning path")
    study.tap(page.get_by_role("link", name="Start the path"), "Start the path")
    expect(page.get_by_role("heading", level=1, name="Storage essentials")).to_be_visible()
    study.tap(page.get_by_role("button", name="Start the course"), "Start the course")
    study.tap(page.get_by_role("button", name="Mark as complete"), "Mark as complete")
    expect(page.locator("main")).to_contain_text("Completed on")

    # Back on the path (through the dashboard), the next course: two lessons, then the assessment.
    study.tap(page.get_by_role("link", name=re.compile("your dashboard")), "dashboard")
    study.tap(page.get_by_role("link", name="Training", exact=True), "Training")
    expect(page.get_by_role("heading", level=1, name="Training")).to_be_visible()
    study.tap(page.get_by_role("link", name=DEMO_PATH_TITLE), DEMO_PATH_TITLE)
    expect(page.locator("main")).to_contain_text("1 of 2 courses done")
    study.tap(page.get_by_role("link", name="Continue with the next course"), "Continue with the next course")
    expect(page.get_by_role("heading", level=1, name=DEMO_ASSESSED_COURSE_TITLE)).to_be_visible()
    study.tap(page.get_by_role("link", name="Start the course"), "Start the course")
    expect(page.locator("main")).to_contain_text("Lesson 1 of 2")
    assert_phone_ready(page, "lesson")
    study.tap(page.get_by_role("link", name="Next lesson"), "Next lesson")
    study.tap(page.get_by_role("link", name="Take the assessment"), "Take the assessment")
    study.tap(page.get_by_role("button", name="Start the assessment"), "Start the assessment")
    expect(page.get_by_role("button", name="Submit my answers")).to_be_visible()
    assert_phone_ready(page, "assessment")

    study.tick(page.get_by_label("Two", exact=True), "Two")
    study.tick(page.get_by_label("Snapshots", exact=True), "Snapshots")
    study.tick(page.get_by_label("Backups", exact=True), "Backups")
    study.tick(page.get_by_label("Replication", exact=True), "Replication")
    study.tap(page.get_by_role("button", name="Submit my answers"), "Submit my answers")

    main = page.locator("main")
    expect(main).to_contain_text("3 of 3 right (100 %)")
    expect(main).to_contain_text("Passed")
    assert_phone_ready(page, "assessment result")
    held = PersonCertification.objects.get(user=user, certification__code=DEMO_CERTIFICATION_CODE)
    assert held.earned_through == EarnedThrough.PATH and held.expires_at is not None

    study.tap(page.get_by_role("link", name="See your learning paths and certificates"), "certificates")
    with page.expect_download() as download_info:
        study.tap(page.get_by_role("link", name="Certificate (PDF)"), "Certificate (PDF)")
    assert download_info.value.suggested_filename == f"certificate-{held.verification_code}.pdf"

    # Anyone can check the printed code: name, certification and validity only.
    page.goto(f"/verify/{held.verification_code}/")
    expect(page.locator("main")).to_contain_text(held.certification.name)
    assert_phone_ready(page, "verification")
