"""The engine client reads and writes JSON with orjson (search.engine):
the values the portal sends reach the real engine as the standard library
wrote them, in both of its formats (a JSON body; a multi-search or bulk
body, a JSON document a line)."""

import datetime as dt
import json
from decimal import Decimal
from zoneinfo import ZoneInfo

from elasticsearch.dsl.utils import AttrList

from search import engine

PARIS = ZoneInfo("Europe/Paris")


def _portal_values(title: str) -> dict:
    return {
        "title": title,
        "effective_at": dt.datetime(2026, 7, 14, 9, 30, 15, 250000, tzinfo=PARIS),
        "published_on": dt.date(2026, 7, 14),
        "amount": Decimal("1234.50"),
        "translations": AttrList(["fr", "de"]),
    }


def _as_the_standard_library_wrote_them(values: dict) -> dict:
    return json.loads(json.dumps(values, default=engine.SERIALIZERS["application/json"].default))


def test_documents_written_both_ways_read_back_as_sent():
    client = engine.get_client()
    index = engine.index_name("client-json-test")
    client.indices.delete(index=index, ignore_unavailable=True)
    try:
        bulk_written = _portal_values("価格表 S900 — fiche technique")
        json_written = _portal_values("Preisliste B400 für Österreich")
        client.bulk(operations=[{"index": {"_index": index, "_id": "bulk"}}, bulk_written], refresh=True)
        client.index(index=index, id="json", document=json_written, refresh=True)

        answers = client.msearch(
            index=index,
            searches=[{}, {"query": {"ids": {"values": ["bulk"]}}}, {}, {"query": {"ids": {"values": ["json"]}}}],
        ).body["responses"]
        read = [answer["hits"]["hits"][0]["_source"] for answer in answers]
        assert read == [
            _as_the_standard_library_wrote_them(bulk_written),
            _as_the_standard_library_wrote_them(json_written),
        ]
        assert read[0]["effective_at"] == "2026-07-14T09:30:15.250000+02:00"
        assert read[0]["amount"] == 1234.5
        assert read[1]["translations"] == ["fr", "de"]
        # and it is orjson that wrote them (the standard library writes a
        # float's NaN as NaN, which is not JSON; orjson as null)
        for mimetype in ("application/json", "application/x-ndjson"):
            serializer = client.transport.serializers.get_serializer(mimetype)
            assert serializer.json_dumps({"score": float("nan")}) == b'{"score":null}', mimetype
    finally:
        client.indices.delete(index=index, ignore_unavailable=True)
