"""The Elasticsearch connection, shared through the DSL's connection registry."""

import contextlib

from django.conf import settings
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
            request_timeout=settings.ELASTICSEARCH_TIMEOUT,
            # these in place of the DSL's (which does not read orjson)
            serializer=None,
            serializers=SERIALIZERS,
        )


def index_name(name: str) -> str:
    return f"{settings.SEARCH_INDEX_PREFIX}-{name}"
