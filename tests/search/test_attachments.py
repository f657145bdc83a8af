"""The text of an asset's PDF or Office file is extracted by its own Celery
task, bounded in size and time, and makes the asset findable."""

import io

import openpyxl
import pytest

from content import extraction
from content.models import LibraryPage
from content.rendering import render_pdf
from search.models import AttachmentText
from search.selectors import portal_search
from search.services import attachment_text_extract, attachment_texts_extract_pending, outbox_drain
from tests.factories import OrganizationFactory, PartnerUserFactory
from tests.factories.content import document, publish_asset, publish_page


@pytest.fixture
def partner():
    return PartnerUserFactory(organization=OrganizationFactory(), roles=["sales"])


def data_sheet(text: str, filename: str = "data-sheet.pdf"):
    return document(title=filename, content=render_pdf(f"<h1>Data sheet</h1><p>{text}</p>"), filename=filename)


def titles(user, query):
    return [hit.title for hit in portal_search(user=user, query=query).hits]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_phrase_only_inside_the_pdf_finds_the_asset_through_the_worker(
    celery_worker, search_indexes, home_page, partner, wait_for
):
    library = publish_page(home_page, LibraryPage, title="Library")
    publish_asset(
        library,
        "Nimbus S900 data sheet",
        summary="Specifications.",
        document=data_sheet("Sustained throughput of eleven gigabytes per second with quorum witness."),
    )

    found = wait_for(
        lambda: titles(partner, "quorum witness"), timeout=120, message="the asset found by its PDF's words"
    )

    assert found == ["Nimbus S900 data sheet"]
    extracted = AttachmentText.objects.get()
    assert extracted.outcome == AttachmentText.Outcome.EXTRACTED
    assert "eleven gigabytes" in extracted.text


@pytest.mark.django_db
def test_a_spreadsheet_price_list_is_searchable_by_its_cells(search_indexes, home_page, partner):
    workbook = openpyxl.Workbook()
    workbook.active.append(["SKU", "Description", "Price"])
    workbook.active.append(["B400-48TB", "Borealis appliance with halcyon support", 18500])
    content = io.BytesIO()
    workbook.save(content)
    library = publish_page(home_page, LibraryPage, title="Library")
    publish_asset(library, "Borealis price list", document=document(content=content.getvalue(), filename="p.xlsx"))
    outbox_drain(refresh=True)
    assert titles(partner, "halcyon") == []  # requested, not extracted yet

    assert attachment_texts_extract_pending() == 1
    outbox_drain(refresh=True)

    assert titles(partner, "halcyon") == ["Borealis price list"]
    assert titles(partner, "B400-48TB") == ["Borealis price list"]


@pytest.mark.django_db
def test_a_file_over_the_size_limit_is_not_read_but_the_asset_is_still_found(
    search_indexes, home_page, partner, monkeypatch
):
    monkeypatch.setattr(extraction, "MAX_FILE_BYTES", 1000)
    library = publish_page(home_page, LibraryPage, title="Library")
    publish_asset(library, "Aurora A7 data sheet", document=data_sheet("Marmalade " * 400))
    outbox_drain(refresh=True)

    attachment_texts_extract_pending()
    outbox_drain(refresh=True)

    extracted = AttachmentText.objects.get()
    assert (extracted.outcome, extracted.text) == (AttachmentText.Outcome.TOO_LARGE, "")
    assert titles(partner, "marmalade") == []
    assert titles(partner, "aurora data sheet") == ["Aurora A7 data sheet"]


@pytest.mark.django_db
def test_extraction_stops_at_its_time_budget(search_indexes, home_page):
    library = publish_page(home_page, LibraryPage, title="Library")
    publish_asset(library, "Helix H48 data sheet", document=data_sheet("Turquoise ports"))
    outbox_drain(refresh=True)
    request = AttachmentText.objects.get()

    attachment_text_extract(file_name=request.file_name, time_budget=0.0)

    request.refresh_from_db()
    assert request.outcome == AttachmentText.Outcome.EXTRACTED
    assert request.text == ""
