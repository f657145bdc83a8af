"""The Elasticsearch connection, shared through the DSL's connection registry."""

import contextlib
import contextvars
import time

from django.conf import settings
from elastic_transport import Urllib3HttpNode
from elasticsearch import Elasticsearch
from elasticsearch.dsl import connections
from elasticsearch.dsl.serializer import AttrJSONSerializer
from elasticsearch.serializer import NdjsonSerializer, OrjsonSerializer


class EngineJsonSerializer(AttrJSONSerializer, OrjsonSerializer):
    """The DSL's serializer (its documents and lists become JSON), with
    orjson reading and writing the JSON."""


class EngineNdjsonSerializer(EngineJsonSerializer, NdjsonSerializer):
    """Multi-search and bulk bodies (a JSON document a line), each line as
    EngineJsonSerializer writes and reads it."""

    mimetype = NdjsonSerializer.mimetype


#: orjson reads and writes JSON in a fraction of the standard library's
#: time: the engine client's own CPU per search fell from 0.76 to 0.60 ms
#: median with it (bench/README.md, thirteenth session).
SERIALIZERS = {
    EngineJsonSerializer.mimetype: EngineJsonSerializer(),
    EngineNdjsonSerializer.mimetype: EngineNdjsonSerializer(),
}


#: the (start, end) of each engine request made for the work being timed
#: (see waiting), by its thread or a thread it hands a copy of its context
_spans: contextvars.ContextVar[list | None] = contextvars.ContextVar("engine_spans", default=None)


class TimedNode(Urllib3HttpNode):
    """The client's default connection, noting when each request waited for
    the engine's answer while some work is timed (see waiting)."""

    def perform_request(self, *args, **kwargs):
        spans = _spans.get()
        if spans is None:
            return super().perform_request(*args, **kwargs)
        started = time.perf_counter()
        try:
            return super().perform_request(*args, **kwargs)
        finally:
            spans.append((started, time.perf_counter()))


class Waiting:
    """The engine requests of some work: ``milliseconds`` is how long at least
    one of them was waiting for its answer (overlapping requests count once)."""

    def __init__(self):
        self.spans: list[tuple[float, float]] = []

    @property
    def requests(self) -> int:
        """How many engine requests the work made."""
        return len(self.spans)

    @property
    def milliseconds(self) -> float:
        waited, reached = 0.0, float("-inf")
        for start, end in sorted(self.spans):
            if end > reached:
                waited += end - max(start, reached)
                reached = end
        return waited * 1000


@contextlib.contextmanager
def waiting():
    """Times the engine requests made inside the block: the engine's own
    ``took`` leaves out its reading of the request and writing of the answer,
    and counts whole milliseconds only, so this is the portal's view of its
    wait (a request's time less it is the portal's own)."""
    timing = Waiting()
    token = _spans.set(timing.spans)
    try:
        yield timing
    finally:
        _spans.reset(token)


def is_enabled() -> bool:
    return bool(settings.ELASTICSEARCH_URL)


def get_client(*, fresh: bool = False) -> Elasticsearch:
    """The client for the configured URL, created once per process.

    ``fresh`` replaces the one this process may have inherited: a forked
    process (a rebuild worker) must not share its parent's sockets."""
    url = settings.ELASTICSEARCH_URL
    if not url:
        raise RuntimeError("ELASTICSEARCH_URL is not set: the portal runs on database search.")
    if fresh:
        with contextlib.suppress(KeyError):  # nothing inherited
            connections.remove_connection(url)
    try:
        return connections.get_connection(alias=url)
    except KeyError:
        return connections.create_connection(
            alias=url,
            hosts=[url],
            node_class=TimedNode,
            request_timeout=settings.ELASTICSEARCH_TIMEOUT,
            # these in place of the DSL's (which does not read orjson)
            serializer=None,
            serializers=SERIALIZERS,
        )


def index_name(name: str) -> str:
    return f"{settings.SEARCH_INDEX_PREFIX}-{name}"
