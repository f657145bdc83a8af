import dataclasses
import logging
import threading

import pytest
from django.core.management import call_command
from django.utils import timezone

from content.models import LibraryPage, SectionPage
from content.rendering import render_pdf
from home.models import HeldTask
from search import services
from search.models import AttachmentText, IndexOutboxEntry
from search.selectors import documents_search
from search.services import alias_name, documents_reindex, outbox_drain
from tests.factories.content import document, publish_asset, publish_page


@pytest.mark.django_db
def test_rebuild_swaps_the_alias_and_queries_keep_answering_during_it(search_indexes, home_page):
    for number in range(30):
        home_page.add_child(instance=SectionPage(title=f"Battle card {number}")).save_revision().publish()
    outbox_drain(refresh=True)
    old_indexes = set(search_indexes.indices.get_alias(name=alias_name()))

    answers, stop = [], threading.Event()

    def query_while_rebuilding():
        while not stop.is_set():
            answers.append(len(documents_search(query="battle card", size=50)))

    reader = threading.Thread(target=query_while_rebuilding)
    reader.start()
    try:
        result = documents_reindex(batch_size=5)
    finally:
        stop.set()
        reader.join()

    new_indexes = set(search_indexes.indices.get_alias(name=alias_name()))
    assert new_indexes == {result["index"]}
    assert not new_indexes & old_indexes
    assert not any(search_indexes.indices.exists(index=old) for old in old_indexes), "old index deleted after swap"
    assert answers and all(count == 30 for count in answers), f"answers during rebuild: {sorted(set(answers))}"
    assert len(documents_search(query="battle card", size=50)) == 30


@pytest.mark.django_db
def test_a_failed_rebuild_leaves_the_live_alias_untouched(search_indexes, home_page, monkeypatch):
    home_page.add_child(instance=SectionPage(title="Price list EMEA")).save_revision().publish()
    outbox_drain(refresh=True)
    live = set(search_indexes.indices.get_alias(name=alias_name()))

    from search import pages

    def broken_build(object_id):
        raise RuntimeError("database went away mid-rebuild")

    # A fault in the middle of the rebuild (the database failing under the scan).
    monkeypatch.setattr(
        "search.registry._kinds",
        {"page": dataclasses.replace(pages.PAGE_KIND, build=broken_build, build_many=broken_build)},
    )
    with pytest.raises(RuntimeError):
        documents_reindex()

    assert set(search_indexes.indices.get_alias(name=alias_name())) == live
    assert [hit.title for hit in documents_search(query="price list")] == ["Price list EMEA"]
    leftovers = set(search_indexes.indices.get(index=f"{alias_name()}-*")) - live
    assert not leftovers, "the half-built index is dropped"


@pytest.mark.django_db
def test_reindex_command_prints_progress(search_indexes, home_page, capsys):
    home_page.add_child(instance=SectionPage(title="Demo section")).save_revision().publish()

    call_command("search_reindex", "--batch-size", "1")

    out = capsys.readouterr().out
    assert "docs/s" in out and "ETA" in out
    assert "alias swapped" in out


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_rebuild_in_worker_processes_indexes_every_page_once(search_indexes, home_page):
    # Committed pages (transaction=True): the worker processes read the
    # database through their own connections.
    for number in range(7):
        home_page.add_child(instance=SectionPage(title=f"Pricing sheet {number}")).save_revision().publish()
    outbox_drain(refresh=True)

    result = documents_reindex(batch_size=2, workers=2)

    assert set(search_indexes.indices.get_alias(name=alias_name())) == {result["index"]}
    titles = sorted(hit.title for hit in documents_search(query="pricing sheet", size=50))
    assert titles == [f"Pricing sheet {number}" for number in range(7)]
    assert result["documents"] == search_indexes.count(index=alias_name())["count"]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_rebuild_goes_on_when_the_broker_is_down(search_indexes, home_page, stop_broker, caplog):
    # Stopped first, so that no worker of the suite extracts the file meanwhile.
    stop_broker()
    library = publish_page(home_page, LibraryPage, title="Library")
    publish_asset(
        library,
        "Nimbus S900 data sheet",
        document=document(title="S900", content=render_pdf("<p>Quorum witness</p>"), filename="s900.pdf"),
    )
    # The suite's worker drains every pending outbox entry, ours included
    # (committed: transaction=True), and would request the file's text itself:
    # mark them done and forget any request, so the rebuild is the one asking.
    IndexOutboxEntry.objects.filter(processed_at__isnull=True).update(processed_at=timezone.now())
    AttachmentText.objects.all().delete()

    with caplog.at_level(logging.WARNING, logger="portal.celery"):
        result = documents_reindex(batch_size=1)

    assert set(search_indexes.indices.get_alias(name=alias_name())) == {result["index"]}
    assert [hit.title for hit in documents_search(query="Nimbus S900")] == ["Nimbus S900 data sheet"]
    assert "search.tasks.extract_attachment_text held: the task broker is unreachable" in caplog.text
    assert HeldTask.objects.filter(task="search.tasks.extract_attachment_text").exists()
    # The request also waits for the beat's sweep of pending extractions.
    request = AttachmentText.objects.get()
    assert request.outcome == AttachmentText.Outcome.PENDING
    assert request.waiting


def test_the_rebuilt_index_is_merged_into_a_segment_per_processor_of_about_equal_size(search_indexes, monkeypatch):
    # Elasticsearch searches a shard's segments in parallel from 50,000
    # documents each; here a slice of 10, so 40 documents make 4 slices' worth.
    monkeypatch.setattr(services, "DOCUMENTS_PER_SEARCH_SLICE", 10)
    index = f"{alias_name()}-merge-layout"
    search_indexes.indices.create(
        index=index, settings={"number_of_shards": 1, "number_of_replicas": 0, "refresh_interval": "-1"}
    )
    try:
        for batch in range(8):  # a bulk load's segments: 8 of 5 documents
            for number in range(5):
                search_indexes.index(
                    index=index, document={"title": f"Price list {batch}-{number}", "body": "x" * 4000}
                )
            search_indexes.indices.refresh(index=index)
        assert len(search_indexes.cat.segments(index=index, format="json")) == 8

        services._merge_for_parallel_search(search_indexes, index)
        search_indexes.indices.refresh(index=index)  # the merged segments searchable, as a rebuild's are by the swap

        processors = min(
            node["os"]["allocated_processors"] for node in search_indexes.nodes.info(metric="os")["nodes"].values()
        )
        counts = [int(segment["docs.count"]) for segment in search_indexes.cat.segments(index=index, format="json")]
        assert len(counts) == min(processors, 4)
        assert sum(counts) == 40
        assert max(counts) <= 40 * 1.25 / len(counts), f"one segment took more than its share: {counts}"
        settings = search_indexes.indices.get_settings(index=index)[index]["settings"]
        assert "max_merged_segment" not in str(settings), "the merge's size cap is lifted after it"
    finally:
        search_indexes.indices.delete(index=index)


@pytest.mark.django_db
def test_a_small_index_is_rebuilt_as_one_segment(search_indexes, home_page):
    for number in range(12):
        home_page.add_child(instance=SectionPage(title=f"Case study {number}")).save_revision().publish()

    result = documents_reindex(batch_size=3)

    segments = search_indexes.cat.segments(index=result["index"], format="json")
    assert [int(segment["docs.count"]) for segment in segments] == [result["documents"]]


@pytest.mark.django_db
def test_a_rebuild_searched_in_parallel_keeps_its_load_from_merging_past_a_share(
    search_indexes, home_page, monkeypatch
):
    for number in range(6):
        home_page.add_child(instance=SectionPage(title=f"Battle card {number}")).save_revision().publish()
    # A slice of one document: the index is searched as one segment per processor.
    monkeypatch.setattr(services, "DOCUMENTS_PER_SEARCH_SLICE", 1)
    merge_settings_after_the_load = []
    merge = services._merge_for_parallel_search

    def merge_after_looking(client, index):
        settings = search_indexes.indices.get_settings(index=index)[index]["settings"]["index"]
        merge_settings_after_the_load.append(settings.get("merge"))
        merge(client, index)

    monkeypatch.setattr(services, "_merge_for_parallel_search", merge_after_looking)

    result = documents_reindex(batch_size=2)

    processors = min(
        node["os"]["allocated_processors"] for node in search_indexes.nodes.info(metric="os")["nodes"].values()
    )
    loaded_with = {"policy": {"max_merged_segment": services.LOADING_SEGMENT_CAP}} if processors > 1 else None
    assert merge_settings_after_the_load == [loaded_with]
    settings = search_indexes.indices.get_settings(index=result["index"])[result["index"]]["settings"]
    assert "max_merged_segment" not in str(settings), "the load's cap is lifted after the merge"
    titles = sorted(hit.title for hit in documents_search(query="battle card", size=50))
    assert titles == [f"Battle card {number}" for number in range(6)]


def test_the_loads_cap_is_lifted_where_the_index_is_merged_into_one_segment(search_indexes):
    # A rebuild that expected to be searched in parallel, whose index came out
    # too small for it (documents the load counted but did not index).
    index = f"{alias_name()}-merge-small"
    search_indexes.indices.create(
        index=index,
        settings={
            "number_of_shards": 1,
            "number_of_replicas": 0,
            "index.merge.policy.max_merged_segment": services.LOADING_SEGMENT_CAP,
        },
    )
    try:
        for number in range(3):
            search_indexes.index(index=index, document={"title": f"Rate card {number}"}, refresh=True)

        services._merge_for_parallel_search(search_indexes, index)
        search_indexes.indices.refresh(index=index)

        assert len(search_indexes.cat.segments(index=index, format="json")) == 1
        settings = search_indexes.indices.get_settings(index=index)[index]["settings"]
        assert "max_merged_segment" not in str(settings), "the load's cap is lifted"
    finally:
        search_indexes.indices.delete(index=index)
