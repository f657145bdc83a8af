"""The other eight self-service tasks for the partner who reads the portal in
French (Tailspin Cloud SAS), from the dashboard within three taps: French
words on the controls tapped, dates and money the French way where the page
shows them. The texts are written out as a French reader sees them, so an
English fallback fails the test."""

import re
import uuid

from django.utils import timezone
from django.utils.formats import date_format
from playwright.sync_api import expect

from analytics.scorecard import organization_scorecard
from content.models import AssetDownload, CobrandTemplatePage, CourseEnrollment, CoursePage
from deals.models import DealRegistration, DealStatus
from mdf.models import FundRequest, RequestStatus
from mdf.selectors import allocation_balance, current_allocation
from programs.formats import money
from support.models import Case, CaseStatus

from .checks import assert_phone_ready
from .demo_data import FRENCH_APPROVED_DEAL_COMPANY, TASK_USERS
from .phone import Phone
from .test_task_french import FRENCH_MONTHS, _in_french, log_in


def _french_date(value) -> str:
    text = _in_french(date_format, timezone.localtime(value) if hasattr(value, "tzinfo") else value, "DATE_FORMAT")
    assert any(month in text for month in FRENCH_MONTHS), text
    return text


def test_check_a_registrations_approval_status_in_french(page, demo):
    log_in(page, demo.user(TASK_USERS["french_deal_status"]))
    deal = DealRegistration.objects.get(company_name=FRENCH_APPROVED_DEAL_COMPANY)
    assert deal.status == DealStatus.APPROVED
    phone = Phone(page, "check a registration's approval status (French)")
    phone.open_dashboard()

    phone.tap(page.get_by_role("link", name="Affaires", exact=True), "Affaires")
    phone.tap(page.get_by_role("link", name=FRENCH_APPROVED_DEAL_COMPANY), FRENCH_APPROVED_DEAL_COMPANY)

    expect(page.get_by_role("heading", level=1, name=FRENCH_APPROVED_DEAL_COMPANY)).to_be_visible()
    main = page.locator("main")
    expect(main).to_contain_text("Approuvé")
    expect(main).to_contain_text("Protégée jusqu’au")
    expect(main).to_contain_text(_french_date(deal.protected_until))
    expect(main).to_contain_text(money(deal.estimated_value, deal.currency, language="fr"))
    assert_phone_ready(page, "deal page")
    phone.assert_within_reach()


def test_enroll_in_a_certification_course_in_french(page, demo):
    user = log_in(page, demo.user(TASK_USERS["french_course_enroll"]))
    course = CoursePage.objects.get(pk=demo.started_course_id)
    assert not CourseEnrollment.objects.filter(user=user, course__translation_key=course.translation_key).exists()
    phone = Phone(page, "enroll in a certification course (French)")
    phone.open_dashboard()

    phone.tap(page.get_by_role("link", name="Contenu", exact=True), "Contenu")
    phone.tap(page.get_by_role("link", name=course.title), course.title)
    phone.tap(page.get_by_role("button", name="Commencer la formation"), "Commencer la formation")

    expect(page.get_by_role("button", name="Marquer comme terminée")).to_be_visible()
    assert CourseEnrollment.objects.filter(
        user=user, course__translation_key=course.translation_key, completed_at__isnull=True
    ).exists()
    assert_phone_ready(page, "course page")
    phone.assert_within_reach()


def test_check_certification_progress_in_french(page, demo):
    user = log_in(page, demo.user(TASK_USERS["french_certification_progress"]))
    course = CoursePage.objects.get(pk=demo.started_course_id)
    assert CourseEnrollment.objects.filter(user=user, course=course, completed_at__isnull=True).exists()
    phone = Phone(page, "check certification progress (French)")
    phone.open_dashboard()

    phone.tap(page.get_by_role("link", name="Formations", exact=True), "Formations")

    course_entry = page.get_by_role("listitem").filter(has=page.get_by_role("link", name=course.title))
    expect(course_entry).to_contain_text("En cours")
    assert_phone_ready(page, "training page")
    phone.assert_within_reach()


def test_request_mdf_funds_in_french(page, demo):
    user = log_in(page, demo.user(TASK_USERS["french_mdf_request"]))
    organization = user.membership.organization
    allocation = current_allocation(organization=organization)
    assert allocation is not None, "the French demo partner should have an MDF allocation for this period"
    available = allocation_balance(allocation=allocation).available
    title = f"Petit-déjeuner clients {uuid.uuid4().hex[:6]}"
    starts_on = timezone.localdate()
    ends_on = min(starts_on + timezone.timedelta(days=7), allocation.program.ends_on)
    phone = Phone(page, "request MDF funds (French)")
    phone.open_dashboard()
    french_available = money(available, allocation.currency, language="fr")
    assert "," in french_available, french_available
    expect(page.locator("main")).to_contain_text(french_available)

    phone.tap_to_page("Demander des fonds")
    assert_phone_ready(page, "request form")
    phone.choose(page.get_by_label("Type d’activité"), "Événement", "Événement (type d’activité)")
    phone.type_all(
        {
            "Titre": title,
            "Description": "Petit-déjeuner sur la sauvegarde pour 30 responsables informatiques.",
            "Début de l’activité": starts_on.isoformat(),
            "Fin de l’activité": ends_on.isoformat(),
            "Coût total prévu": "4000",
            "Montant demandé": "1800",
            "Prospects attendus": "30",
            "Pipeline attendu": "90000",
        }
    )
    phone.tap(page.get_by_role("button", name="Envoyer la demande"), "Envoyer la demande")

    expect(page.get_by_role("status")).to_contain_text("Demande envoyée. Vous serez informé dès qu’elle sera examinée.")
    expect(page.get_by_role("heading", level=1, name=title)).to_be_visible()
    fund_request = FundRequest.objects.get(title=title)
    assert fund_request.organization == organization
    assert fund_request.status == RequestStatus.PENDING
    main = page.locator("main")
    expect(main).to_contain_text("En attente")
    expect(main).to_contain_text(money(fund_request.requested_amount, fund_request.currency, language="fr"))
    expect(main).to_contain_text(_french_date(starts_on))
    assert_phone_ready(page, "request page")
    phone.assert_within_reach()


def test_open_a_co_branded_email_template_in_french(page, demo):
    user = log_in(page, demo.user(TASK_USERS["french_cobrand_email"]))
    organization = user.membership.organization
    template = CobrandTemplatePage.objects.live().get(slug="backup-review-email", locale__language_code="fr")
    phone = Phone(page, "open a co-branded email template (French)")
    phone.open_dashboard()

    phone.open_co_branded_email(content="Contenu", template_title=template.title, organization=organization)
    assert_phone_ready(page, "template page")
    phone.assert_within_reach()


def test_view_the_performance_scorecard_in_french(page, demo):
    user = log_in(page, demo.user(TASK_USERS["french_scorecard"]))
    card = _in_french(organization_scorecard, organization=user.membership.organization)
    phone = Phone(page, "view their performance scorecard (French)")
    phone.open_dashboard()
    assert_phone_ready(page, "dashboard")

    phone.tap_to_page("Voir votre tableau de performance", heading="Tableau de performance")

    main = page.locator("main")
    for tile in _in_french(lambda: card.tiles):
        expect(main).to_contain_text(str(tile["label"]))
        expect(main).to_contain_text(str(tile["value"]))
    expect(main.get_by_role("link", name="Télécharger le PDF")).to_be_visible()
    assert_phone_ready(page, "scorecard")
    phone.assert_within_reach()


def test_submit_a_support_ticket_in_french(page, demo):
    user = log_in(page, demo.user(TASK_USERS["french_support_case"]))
    subject = f"Impossible de télécharger la liste de prix {uuid.uuid4().hex[:6]}"
    phone = Phone(page, "submit a support ticket (French)")
    phone.open_dashboard()

    phone.tap_to_page("Ouvrir un dossier")
    assert_phone_ready(page, "case form")
    phone.choose(page.get_by_label("De quoi s'agit-il ?"), "Accès au portail", "Accès au portail (catégorie)")
    phone.type(page.get_by_label("Objet"), subject)
    phone.type(page.get_by_label("Description"), "Le lien de la liste de prix renvoie une erreur depuis lundi.")
    phone.tap(page.get_by_role("button", name="Envoyer le dossier"), "Envoyer le dossier")

    expect(page.get_by_role("heading", level=1, name=subject)).to_be_visible()
    case = Case.objects.get(subject=subject)
    assert case.organization == user.membership.organization
    assert case.status == CaseStatus.NEW
    expect(page.get_by_role("status")).to_contain_text(f"Le dossier {case.number} est ouvert.")
    main = page.locator("main")
    expect(main).to_contain_text(_in_french(case.get_status_display))
    expect(main).to_contain_text(re.compile(r"Première réponse"))
    assert_phone_ready(page, "case page")
    phone.assert_within_reach()


def test_download_a_product_data_sheet_in_french(page, demo):
    user = log_in(page, demo.user(TASK_USERS["french_data_sheet"]))
    phone = Phone(page, "download a product data sheet (French)")
    phone.open_dashboard()
    assert_phone_ready(page, "dashboard")

    data_sheet = page.get_by_role("listitem").filter(has_text="Cloud Backup data sheet")
    with page.expect_download() as download_info:
        phone.tap(data_sheet.get_by_role("link", name=re.compile("Télécharger")), "Télécharger (fiche technique)")

    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    with open(download.path(), "rb") as file:
        assert file.read(5) == b"%PDF-"
    assert AssetDownload.objects.filter(user=user, asset__title="Cloud Backup data sheet").exists()
    phone.assert_within_reach()
