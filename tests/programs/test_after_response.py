"""Work a request leaves for after its response (programs.after_response):
done when the WSGI server closes the response, not while the partner waits,
and at once outside a request."""

import logging

from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started

from programs.after_response import after_response


def test_outside_a_request_the_work_runs_at_once():
    done = []
    after_response(lambda: done.append("logged"))
    assert done == ["logged"]


def test_within_a_request_the_work_waits_for_the_response_to_close_and_a_failure_stops_nothing(server_signals, caplog):
    done = []

    def failing():
        raise RuntimeError("the shared cache went away")

    request_started.send(sender=WSGIHandler)
    after_response(lambda: done.append("first"))
    after_response(failing)
    after_response(lambda: done.append("third"))
    assert done == []

    with caplog.at_level(logging.ERROR, logger="programs.after_response"):
        request_finished.send(sender=WSGIHandler)
    assert done == ["first", "third"]
    assert "Work left for after the response failed" in caplog.text
    # The next request starts with nothing left over, and work outside one runs at once again.
    after_response(lambda: done.append("outside"))
    assert done == ["first", "third", "outside"]
