"""Private files live outside the public media root and are sent only by
views that check who asks: deal attachments (owning partner, reviewers of
the portfolio), co-branded files and data exports; Office text extraction
refuses archives that would unpack into memory beyond a limit. Wagtail
documents are stored privately too and sent only by Wagtail's serve view."""

import io
import zipfile

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.test import override_settings

from content.extraction import MAX_UNPACKED_BYTES, file_text
from tests.factories import OrganizationFactory, PartnerUserFactory, UserFactory
from tests.factories.content import document
from tests.factories.deals import register_deal

pytestmark = pytest.mark.django_db


def _deal_with_attachment():
    organization = OrganizationFactory(name="Nordlicht IT")
    seller = PartnerUserFactory(organization=organization, roles=["sales"])
    deal = register_deal(organization, seller, company_name="Fjord Shipping")
    deal.attachment.save("brief.pdf", ContentFile(b"%PDF-1.4 customer brief"))
    return deal, seller


def test_a_deal_attachment_is_stored_privately_and_sent_to_its_partner(client):
    deal, seller = _deal_with_attachment()
    assert deal.attachment.path.startswith(str(settings.PRIVATE_MEDIA_ROOT))
    assert not deal.attachment.path.startswith(str(settings.MEDIA_ROOT) + "/")
    client.force_login(seller)

    detail = client.get(f"/deals/{deal.pk}/")
    assert f'href="/deals/{deal.pk}/attachment/"' in detail.text
    download = client.get(f"/deals/{deal.pk}/attachment/")

    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"%PDF-1.4 customer brief"
    assert download["Content-Disposition"] == f'attachment; filename="deal-{deal.pk}-attachment.pdf"'
    assert download["Cache-Control"] == "private, no-store"
    client.force_login(PartnerUserFactory(organization=OrganizationFactory(), roles=["owner"]))
    assert client.get(f"/deals/{deal.pk}/attachment/").status_code == 404


def test_reviewers_download_attachments_of_their_portfolio_only(client):
    deal, _seller = _deal_with_attachment()
    reviewer = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(reviewer)
    review = client.get(f"/admin/deals/registrations/{deal.pk}/")
    assert review.status_code == 200, review.status_code
    link = f"/admin/deals/registrations/{deal.pk}/attachment/"
    assert f'href="{link}"' in review.text

    download = client.get(link)

    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"%PDF-1.4 customer brief"


@override_settings(PRIVATE_FILES_ACCEL_PREFIX="/protected/")
def test_behind_nginx_the_web_server_sends_the_private_file(client):
    deal, seller = _deal_with_attachment()
    client.force_login(seller)

    download = client.get(f"/deals/{deal.pk}/attachment/")

    assert download.status_code == 200
    assert download["X-Accel-Redirect"] == f"/protected/{deal.attachment.name}"
    assert download.content == b""


def test_a_wagtail_document_is_stored_privately_and_sent_by_the_serve_view(admin_client):
    data_sheet = document(title="S900 data sheet", content=b"%PDF-1.4 S900", filename="s900.pdf")

    assert data_sheet.file.path.startswith(str(settings.PRIVATE_MEDIA_ROOT) + "/documents/")
    assert not (settings.MEDIA_ROOT / data_sheet.file.name).exists()
    assert data_sheet.url == f"/documents/{data_sheet.pk}/{data_sheet.filename}"
    download = admin_client.get(data_sheet.url)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"%PDF-1.4 S900"
    assert download["Cache-Control"] == "private, no-store"
    with override_settings(PRIVATE_FILES_ACCEL_PREFIX="/protected/"):
        accelerated = admin_client.get(data_sheet.url)
    assert accelerated["X-Accel-Redirect"] == f"/protected/{data_sheet.file.name}"
    assert accelerated.content == b""


def _docx(document_xml: bytes) -> ContentFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", document_xml)
    return ContentFile(buffer.getvalue(), name="brief.docx")


def test_office_text_is_extracted_but_a_zip_bomb_is_refused():
    normal = _docx(b"<w:document><w:p><w:r><w:t>Fjord Shipping storage brief</w:t></w:r></w:p></w:document>")
    assert file_text(normal) == "Fjord Shipping storage brief"

    bomb = _docx(b"<w:t>" + b"0" * (MAX_UNPACKED_BYTES + 1024) + b"</w:t>")
    assert len(bomb) < MAX_UNPACKED_BYTES / 100  # a small upload…
    assert file_text(bomb) == ""  # …that is not unpacked
