"""Typo tolerance only for the words the index does not hold
(search/vocabulary.py), on the real Elasticsearch."""

import socket
import threading

import pytest

from programs.request_memo import remembered_for_request
from search import engine, vocabulary
from search.selectors import portal_search
from search.services import documents_reindex
from tests.factories import PASSWORD, OrganizationFactory, PartnerUserFactory

pytestmark = pytest.mark.django_db


def test_a_correctly_spelled_word_does_not_find_its_one_edit_neighbour(indexed, vendor_staff, found):
    indexed("price", title="Price list", body="What partners pay.")
    indexed("prize", title="Prize draw rules", body="Who wins the draw.")

    assert found(vendor_staff, "price") == {"price"}
    assert found(vendor_staff, "prize") == {"prize"}
    # A word neither holds still finds both.
    assert found(vendor_staff, "prixe") == {"price", "prize"}


@pytest.mark.parametrize("field", ["title", "summary", "body"])
def test_a_misspelled_word_finds_the_word_in_every_field(indexed, vendor_staff, field, found):
    texts = {"title": "Channel news", "summary": "", "body": "Nothing new this week."}
    indexed("holder", **{**texts, field: "Extended warranty terms"})
    indexed("other", title="Channel news", body="Nothing new this week.")

    assert found(vendor_staff, "waranty") == {"holder"}


def test_a_known_and_a_misspelled_word_each_find_their_documents(indexed, vendor_staff):
    indexed("price", title="Price list", body="What partners pay.")
    indexed("prize", title="Prize draw rules", body="Who wins the draw.")
    indexed("warranty", title="Channel news", body="The extended warranty terms now cover refurbished units.")

    results = portal_search(user=vendor_staff, query="price waranty")

    assert {hit.object_id for hit in results.hits} == {"price", "warranty"}


def test_in_a_large_library_a_word_few_documents_hold_keeps_its_typo_tolerance(
    indexed, vendor_staff, monkeypatch, found
):
    # A typo in one document's text is a word of the index, but where that
    # is one document in many the query is likelier the typo than the word.
    for number in range(3):
        indexed(f"warranty-{number}", title=f"Warranty terms {number}", body="Terms for refurbished units.")
    indexed("typo", title="Channel news", body="Read the new warrenty terms.")

    assert found(vendor_staff, "warrenty") == {"typo"}

    # The same library counted as one of many documents: one in three
    # documents holding a word is now too few.
    monkeypatch.setattr(vocabulary, "RARE_ODDS", 3)

    assert found(vendor_staff, "warrenty") == {"typo", "warranty-0", "warranty-1", "warranty-2"}


def test_the_search_asks_the_engine_once_for_its_words_and_counts_the_overlapping_requests_once(
    client, indexed, engine_requests
):
    indexed("price", title="Price list", body="What partners pay.")
    indexed("prize", title="Prize draw rules", body="Who wins the draw.")
    user = PartnerUserFactory(organization=OrganizationFactory(), roles=["sales"])
    assert client.login(username=user.username, password=PASSWORD)

    def took(kind: str) -> list[int]:
        # a multi-search's own took counts its searches together
        return [request.answer["took"] for request in engine_requests if request.kind == kind]

    def engine_ms(query: str) -> tuple[float, list[str]]:
        response = client.get("/search/api/", {"q": query})
        timings = dict(part.strip().split(";dur=") for part in response["Server-Timing"].split(",") if ";dur=" in part)
        return float(timings["engine"]), [hit["object_id"] for hit in response.json()["hits"]]

    # The words are asked about while the search runs: the longer of the
    # two requests is the engine's time.
    first = engine_ms("Price")
    assert first == (max(took("termvectors")[0], took("msearch")[0]), ["price"])
    assert len(took("termvectors")) == 1

    # The same words again: the process kept the answer.
    again = engine_ms("Price")
    assert again == (took("msearch")[1], ["price"])
    assert len(took("termvectors")) == 1

    # New words are asked about. One the index does not hold: the search
    # runs again with its typo tolerance, after both.
    typo = engine_ms("prixe")
    assert typo[1] in (["price", "prize"], ["prize", "price"])
    assert len(took("termvectors")) == 2
    assert typo[0] == max(took("termvectors")[1], took("msearch")[2]) + took("msearch")[3]

    # The answer is kept per word: a query of words already asked about
    # costs no request, and a request asks only about the new words.
    assert engine_ms("price PRIXE")[1] == ["price"]
    assert len(took("termvectors")) == 2
    assert engine_ms("draw prize prixe")[1] == ["prize"]
    assert _asked(engine_requests) == ["price", "prixe", "draw prize"]


def test_a_rebuilt_index_is_asked_again_about_the_words_the_old_one_lacked(indexed, vendor_staff):
    indexed("price", title="Price list", body="What partners pay.")
    with remembered_for_request():
        assert vocabulary.unknown_terms(["warranty"])[0] == ["warranty"]
    indexed("warranty", title="Warranty terms", body="Extended cover for refurbished units.")
    with remembered_for_request():
        # Within KEEP_SECONDS a reading request keeps the answer it had
        assert vocabulary.unknown_terms(["warranty"])[0] == ["warranty"]

    documents_reindex()

    with remembered_for_request():
        assert vocabulary.unknown_terms(["warranty"])[0] == []


def test_each_word_keeps_its_own_terms_when_words_are_asked_together(indexed):
    indexed("price", title="Price list", body="What partners pay.")
    with remembered_for_request():
        # "pre-sales" is two terms; each goes back to its word
        assert vocabulary.unknown_terms(["pre-sales", "Price", "warrenty"])[0] == ["pre", "sales", "warrenty"]
        # kept per word: asked in another order and combination, nothing is sent
        assert vocabulary.unknown_terms(["warrenty", "price"]) == (["warrenty"], 0)
        assert vocabulary.unknown_terms(["price", "pre-sales"]) == (["pre", "sales"], 0)


def test_the_words_are_asked_about_while_the_search_runs(client, indexed, monkeypatch):
    indexed("price", title="Price list", body="What partners pay.")
    user = PartnerUserFactory(organization=OrganizationFactory(), roles=["sales"])
    assert client.login(username=user.username, password=PASSWORD)
    es = engine.get_client()
    search_called, words_called = threading.Event(), threading.Event()
    waited = {}

    # Each request waits until the other has been called: they can only both
    # be answered if neither waits for the other's answer.
    def waiting(send, called: threading.Event, other: threading.Event, label: str):
        def sent(**arguments):
            called.set()
            waited[label] = other.wait(timeout=30)
            return send(**arguments)

        return sent

    monkeypatch.setattr(es, "msearch", waiting(es.msearch, search_called, words_called, "search for words"))
    monkeypatch.setattr(es, "termvectors", waiting(es.termvectors, words_called, search_called, "words for search"))

    response = client.get("/search/api/", {"q": "price"})

    assert [hit["object_id"] for hit in response.json()["hits"]] == ["price"]
    assert waited == {"search for words": True, "words for search": True}


def _asked(engine_requests) -> list[str]:
    """The texts the ``_termvectors`` requests asked about."""
    return [request.arguments["doc"]["title"] for request in engine_requests if request.kind == "termvectors"]


def test_a_word_another_process_asked_about_costs_no_engine_request(indexed, engine_requests):
    indexed("price", title="Price list", body="What partners pay.")
    with remembered_for_request():
        assert vocabulary.unknown_terms(["price", "warrenty"])[0] == ["warrenty"]
    assert _asked(engine_requests) == ["price warrenty"]

    # Another web worker: nothing kept by its process, the shared cache's answers.
    vocabulary._kept.clear()
    with remembered_for_request():
        assert vocabulary.unknown_terms(["warrenty", "price", "pre-sales"])[0] == ["warrenty", "pre", "sales"]
    assert _asked(engine_requests) == ["price warrenty", "pre-sales"]


def test_a_word_the_index_holds_is_kept_for_the_hour_one_it_lacks_for_a_minute(indexed, engine_requests, monkeypatch):
    indexed("price", title="Price list", body="What partners pay.")
    started, started_wall = vocabulary.monotonic(), vocabulary.time()

    def at(seconds: float, *, another_process: bool = False) -> list[str]:
        """The unknown terms of "price warrenty" asked ``seconds`` after the start."""
        monkeypatch.setattr(vocabulary, "monotonic", lambda: started + seconds)
        monkeypatch.setattr(vocabulary, "time", lambda: started_wall + seconds)
        if another_process:
            vocabulary._kept.clear()
        with remembered_for_request():
            return vocabulary.unknown_terms(["price", "warrenty"])[0]

    assert at(0) == ["warrenty"]
    assert _asked(engine_requests) == ["price warrenty"]
    # A minute later the word the index lacks is asked about again (it may
    # have been published since); the word it holds is not.
    assert at(vocabulary.KEEP_SECONDS + 1) == ["warrenty"]
    assert _asked(engine_requests) == ["price warrenty", "warrenty"]
    # Another web worker finds both in the shared cache.
    assert at(vocabulary.KEEP_SECONDS + 2, another_process=True) == ["warrenty"]
    assert _asked(engine_requests) == ["price warrenty", "warrenty"]
    # After the hour, the held word is asked about again, here and there.
    assert at(vocabulary.KEEP_HELD_SECONDS + 1) == ["warrenty"]
    assert _asked(engine_requests) == ["price warrenty", "warrenty", "price warrenty"]
    assert at(vocabulary.KEEP_HELD_SECONDS + 2, another_process=True) == ["warrenty"]
    assert len(_asked(engine_requests)) == 3


def test_the_vocabulary_asks_the_engine_when_the_shared_cache_is_down(indexed, settings, caplog, engine_requests):
    indexed("price", title="Price list", body="What partners pay.")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    settings.CACHES = {
        "default": {
            **settings.CACHES["default"],
            "LOCATION": f"redis://127.0.0.1:{closed_port}/0",
            "OPTIONS": {"socket_connect_timeout": 1},
        }
    }

    with remembered_for_request():
        assert vocabulary.unknown_terms(["price", "warrenty"])[0] == ["warrenty"]
    assert _asked(engine_requests) == ["price warrenty"]
    assert "The shared cache is unreachable" in caplog.text
