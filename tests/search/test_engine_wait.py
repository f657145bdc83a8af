"""How long a search waited for the engine's answers (the search API's
``engine-wait`` timing, which bench/search.py reads)."""

import pytest

from search import engine, vocabulary
from search.services import alias_name

pytestmark = pytest.mark.django_db


def test_requests_waiting_at_the_same_time_count_once():
    timing = engine.Waiting()
    timing.spans += [(10.0, 10.004), (10.002, 10.006), (10.010, 10.011), (10.0105, 10.0108)]

    assert timing.milliseconds == pytest.approx(7.0)


def test_the_words_asked_about_on_another_thread_count_in_the_wait(indexed):
    indexed("price", title="Price list", body="What partners pay.")

    with engine.waiting() as timing:
        unknown, _ = vocabulary.ask_meanwhile(["price", "warrenty"]).result()

    assert unknown == {"price": (), "warrenty": ("warrenty",)}
    assert len(timing.spans) == 1
    assert timing.milliseconds > 0


def test_requests_after_the_timed_work_are_not_counted(indexed):
    indexed("price", title="Price list", body="What partners pay.")
    with engine.waiting() as timing:
        engine.get_client().count(index=alias_name())
    counted = timing.milliseconds

    engine.get_client().count(index=alias_name())

    assert len(timing.spans) == 1
    assert timing.milliseconds == counted
