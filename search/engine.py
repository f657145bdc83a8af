"""The Elasticsearch connection, shared through the DSL's connection registry."""

import contextlib

from django.conf import settings
from elasticsearch import Elasticsearch
from elasticsearch.dsl import connections


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
        return connections.create_connection(alias=url, hosts=[url], request_timeout=settings.ELASTICSEARCH_TIMEOUT)


def index_name(name: str) -> str:
    return f"{settings.SEARCH_INDEX_PREFIX}-{name}"
