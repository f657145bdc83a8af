"""Writes to the portal search index: the outbox, its drain, and rebuilds."""

import json
import logging
import multiprocessing
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from queue import Queue
from threading import Thread

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.db import DatabaseError, transaction
from django.db import connections as db_connections
from django.db.models import Max
from django.utils import timezone
from elasticsearch import ApiError, TransportError
from elasticsearch.helpers import BulkIndexError, bulk, streaming_bulk
from redis.exceptions import RedisError

from portal.cache import shared_redis
from programs.after_response import after_response
from programs.models import PartnerOrganization

from . import registry, vocabulary
from .documents import PortalDocument, document_id
from .engine import get_client
from .engine import is_enabled as engine_enabled
from .models import AttachmentText, IndexOutboxEntry, OutboxOperation, SearchQueryLog, normalize_query
from .signals import query_logged

logger = logging.getLogger(__name__)

VERSION_CONFLICT = 409
#: seconds before retry n (capped): 2, 4, 8 … 300
MAX_BACKOFF_SECONDS = 300


def alias_name() -> str:
    return PortalDocument._index._name


def documents_index_ensure() -> str:
    """Create the live index behind the alias if there is none; return the alias."""
    client = get_client()
    alias = alias_name()
    if not client.indices.exists_alias(name=alias):
        concrete = _new_index_name()
        PortalDocument._index.clone(name=concrete).create(using=client)
        client.indices.put_alias(index=concrete, name=alias)
        vocabulary.forget()
    return alias


def _new_index_name() -> str:
    return f"{alias_name()}-{timezone.now():%Y%m%d%H%M%S%f}"


def index_enqueue(*, kind: str, object_id, operation: str = OutboxOperation.INDEX) -> IndexOutboxEntry | None:
    """Record that ``kind:object_id`` changed, in the caller's transaction, and
    drain the outbox once that transaction commits."""
    from .tasks import drain_index_outbox

    registry.get(kind)
    if not engine_enabled():
        # Embedded default: search runs on the database; a rebuild covers the
        # index if a search engine is configured later.
        return None
    entry = IndexOutboxEntry.objects.create(document_type=kind, object_id=str(object_id), operation=operation)
    # Beat's periodic drain covers a drain the broker could not take.
    _queue_on_commit(drain_index_outbox)
    return entry


def index_enqueue_many(*, kind: str, object_ids, drain_now: bool = True) -> int:
    """:func:`index_enqueue` for many objects (a moved or re-audienced subtree).

    ``drain_now=False`` leaves the entries to beat's periodic drain (for
    ``migrate``, which must not need the broker)."""
    from .tasks import drain_index_outbox

    registry.get(kind)
    if not engine_enabled():
        return 0
    entries = IndexOutboxEntry.objects.bulk_create(
        IndexOutboxEntry(document_type=kind, object_id=str(object_id), operation=OutboxOperation.INDEX)
        for object_id in object_ids
    )
    if entries and drain_now:
        _queue_on_commit(drain_index_outbox)
    return len(entries)


@dataclass
class DrainResult:
    indexed: int = 0
    superseded: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def _sources_for(newest: dict[tuple[str, str], IndexOutboxEntry]) -> dict[tuple[str, str], dict]:
    """The document of each changed object, built per kind in batches; a
    tombstone for deleted or unpublished ones."""
    to_build: dict[str, list[str]] = {}
    for (kind, object_id), entry in newest.items():
        if entry.operation == OutboxOperation.INDEX:
            to_build.setdefault(kind, []).append(object_id)
    built = {}
    for kind, object_ids in to_build.items():
        for object_id, source in registry.get(kind).build_batch(object_ids).items():
            built[(kind, object_id)] = source
    sources = {}
    for kind, object_id in newest:
        source = built.get((kind, object_id))
        if source is None:
            sources[(kind, object_id)] = {"kind": kind, "object_id": object_id, "deleted": True}
        else:
            sources[(kind, object_id)] = live_source(kind, object_id, source)
    return sources


def live_source(kind: str, object_id: str, source: dict) -> dict:
    """A built document as stored: its identity, and a family of its own
    unless its kind groups it with translations (results collapse on it)."""
    return {
        "family_id": document_id(kind, object_id),
        **source,
        "kind": kind,
        "object_id": object_id,
        "deleted": False,
        # what a kept "no document holds these words together" checks (search.together)
        "indexed_at": timezone.now(),
    }


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(2**attempts, MAX_BACKOFF_SECONDS))


def outbox_drain(*, batch_size: int = 500, refresh: bool = False) -> DrainResult:
    """Send pending outbox entries to the search engine in one bulk request.

    Entries are locked with SKIP LOCKED so concurrent drains share the work.
    Each document is written with the entry id as its external version, so an
    older entry arriving late is rejected by the engine (409) instead of
    overwriting newer data. When the engine cannot be reached the entries stay
    pending with a back-off, and nothing is lost.
    """
    result = DrainResult()
    if not engine_enabled():
        return result
    now = timezone.now()
    with transaction.atomic():
        entries = list(
            IndexOutboxEntry.objects.select_for_update(skip_locked=True)
            .filter(processed_at__isnull=True, next_attempt_at__lte=now)
            .order_by("id")[:batch_size]
        )
        if not entries:
            return result
        newest: dict[tuple[str, str], IndexOutboxEntry] = {}
        for entry in entries:
            newest[(entry.document_type, entry.object_id)] = entry
        alias = documents_index_ensure_or_none()
        failed_keys: dict[tuple[str, str], str] = {}
        if alias is None:
            failed_keys = dict.fromkeys(newest, "search engine unreachable")
        else:
            failed_keys = _bulk_write(alias, newest, refresh=refresh)
        processed, retried = [], []
        for entry in entries:
            key = (entry.document_type, entry.object_id)
            if key in failed_keys:
                entry.attempts += 1
                entry.last_error = failed_keys[key][:2000]
                entry.next_attempt_at = now + _backoff(entry.attempts)
                retried.append(entry)
            else:
                entry.processed_at = now
                processed.append(entry)
                if newest[key] is entry:
                    result.indexed += 1
                else:
                    result.superseded += 1
        IndexOutboxEntry.objects.bulk_update(processed, ["processed_at"])
        IndexOutboxEntry.objects.bulk_update(retried, ["attempts", "last_error", "next_attempt_at"])
        result.failed = len(retried)
        result.errors = sorted(set(failed_keys.values()))[:5]
    if result.failed:
        logger.warning("Search outbox: %s entries failed (%s)", result.failed, "; ".join(result.errors))
    return result


def documents_index_ensure_or_none() -> str | None:
    try:
        return documents_index_ensure()
    except (TransportError, ApiError) as error:
        logger.warning("Search engine unreachable: %s", error)
        return None


def _bulk_write(alias: str, newest: dict, *, refresh: bool) -> dict[tuple[str, str], str]:
    """Write the newest entry of each object; return the keys that failed."""
    sources = _sources_for(newest)
    actions = []
    for (kind, object_id), entry in newest.items():
        actions.append(
            {
                "_op_type": "index",
                "_index": alias,
                "_id": document_id(kind, object_id),
                "version": entry.pk,
                "version_type": "external",
                "_source": sources[(kind, object_id)],
            }
        )
    failed = {}
    try:
        for ok, item in streaming_bulk(
            get_client(), actions, raise_on_error=False, raise_on_exception=False, refresh=refresh
        ):
            info = item["index"]
            if not ok and info.get("status") != VERSION_CONFLICT:
                kind, object_id = info["_id"].split(":", 1)
                failed[(kind, object_id)] = str(info.get("error") or info.get("status"))
    except (TransportError, ApiError, BulkIndexError) as error:
        return dict.fromkeys(newest, f"search engine unreachable: {error}")
    return failed


def outbox_purge(*, older_than: timedelta = timedelta(days=7)) -> int:
    """Forget processed entries after a while (they are kept to replay a rebuild)."""
    deleted, _ = IndexOutboxEntry.objects.filter(processed_at__lt=timezone.now() - older_than).delete()
    return deleted


def documents_reindex(*, progress=None, batch_size: int = 1000, workers: int = 1) -> dict:
    """Build a new index from the database and swap the alias to it atomically.

    Queries keep hitting the old index until the swap. Changes that arrive
    during the rebuild are replayed from the outbox into the new index. If
    anything fails the new index is dropped and the live alias is untouched.

    ``workers`` > 1 builds and sends the batches in that many processes (each
    with its own database and Elasticsearch connections): building documents
    is Python work bound to one core per process. Those processes read the
    database through their own connections, so they see only committed data.
    """
    # A search waits 5 s at most; a bulk request of a busy rebuild, or the
    # force-merge of a million documents, legitimately takes longer.
    client = get_client().options(request_timeout=REBUILD_REQUEST_TIMEOUT)
    alias = alias_name()
    snapshot_id = IndexOutboxEntry.objects.aggregate(latest=Max("id"))["latest"] or 0
    version = max(snapshot_id, 1)
    concrete = _new_index_name()
    PortalDocument._index.clone(name=concrete).create(using=client)
    total = sum(kind.count() for kind in registry.kinds())
    done = 0
    started = time.monotonic()

    def id_batches():
        for kind in registry.kinds():
            for batch in _batches((str(object_id) for object_id in kind.all_ids()), batch_size):
                yield kind.name, batch

    try:
        # No replicas and no refresh while loading: each document is written
        # once, on one node; the replicas copy the finished segments.
        loading = {"refresh_interval": "-1", "number_of_replicas": 0}
        if _segments_per_shard(client, documents=total) > 1:
            # The load's own merges would otherwise grow one segment past
            # its share, which the final merge then cannot split.
            loading["index.merge.policy.max_merged_segment"] = LOADING_SEGMENT_CAP
        client.indices.put_settings(index=concrete, settings=loading)
        if workers > 1:
            sent_counts = _bulk_in_processes(id_batches(), concrete=concrete, version=version, workers=workers)
        else:
            sent_counts = _bulk_in_background(
                client, (_index_actions(name, batch, concrete, version) for name, batch in id_batches())
            )
        for sent in sent_counts:
            done += sent
            if progress:
                progress(_progress_line(done, total, started))
        client.indices.put_settings(
            index=concrete, settings={"refresh_interval": "1s", "number_of_replicas": _configured_replicas()}
        )
        client.indices.refresh(index=concrete)
        _merge_for_parallel_search(client, concrete)
        # On a cluster, readers move to the new index only once its replicas
        # are allocated (green); a single node with no replicas is green at once.
        client.cluster.health(index=concrete, wait_for_status="green", timeout=REPLICAS_TIMEOUT)
        previous = list(client.indices.get_alias(name=alias).keys()) if client.indices.exists_alias(name=alias) else []
        swap = [{"remove": {"index": old, "alias": alias}} for old in previous]
        swap.append({"add": {"index": concrete, "alias": alias}})
        client.indices.update_aliases(actions=swap)
        vocabulary.forget()
    except BaseException:
        client.indices.delete(index=concrete, ignore_unavailable=True)
        raise
    # Entries drained into the old index while we were building: replay them.
    replayed = IndexOutboxEntry.objects.filter(id__gt=snapshot_id, processed_at__isnull=False).update(
        processed_at=None, next_attempt_at=timezone.now()
    )
    for old in previous:
        client.indices.delete(index=old, ignore_unavailable=True)
    if progress:
        progress(_progress_line(done, total, started))
    return {"index": concrete, "documents": done, "replayed": replayed, "seconds": time.monotonic() - started}


#: Elasticsearch searches a shard's segments in parallel, one thread per
#: slice of at least this many documents (its search.minimum_docs_per_slice)
DOCUMENTS_PER_SEARCH_SLICE = 50_000


def _merge_for_parallel_search(client, index: str) -> None:
    """Merges the segments a bulk load leaves behind into as many segments
    of about equal size as a node has processors to search them with (one
    where the index is too small for Elasticsearch to search in parallel),
    so queries are served from settled segments from the first one on,
    instead of racing the merges.

    One segment is searched on one thread: a single partner's broad query
    left the other cores idle (at 1,000,000 documents on two cores, a
    300,000-match query's facets 61 -> 32 ms alone, the search p95 69-71 ->
    55-60 ms in the same hour; throughput at 8 clients unchanged). A merged
    segment is capped at its share of the index (and a quarter more, as
    Lucene allows) for the merge, and the cap lifted after it."""
    stats = client.indices.stats(index=index, metric="docs,store")["_all"]["primaries"]
    segments = _segments_per_shard(client, documents=stats["docs"]["count"])
    try:
        if segments > 1:
            share = stats["store"]["size_in_bytes"] // _configured_shards() // segments + 1
            client.indices.put_settings(index=index, settings={"index.merge.policy.max_merged_segment": f"{share}b"})
        client.indices.forcemerge(index=index, max_num_segments=segments)
    finally:
        # The merges' default again, whichever cap was set (this one, or the
        # load's: see documents_reindex).
        client.indices.put_settings(index=index, settings={"index.merge.policy.max_merged_segment": None})


def _segments_per_shard(client, *, documents: int) -> int:
    """How many segments each shard of an index of ``documents`` is
    searched in parallel as: the nodes' processors, at most one per slice's
    worth of documents, at least one."""
    processors = min(node["os"]["allocated_processors"] for node in client.nodes.info(metric="os")["nodes"].values())
    return max(1, min(processors, documents // _configured_shards() // DOCUMENTS_PER_SEARCH_SLICE))


#: the largest segment the merges during a rebuild's load may make (small
#: pieces, which the final merge packs into segments of about equal size)
LOADING_SEGMENT_CAP = "64mb"


#: how long a rebuild waits for the new index's replicas before swapping
REPLICAS_TIMEOUT = "30m"
#: seconds a rebuild's requests (bulk, refresh, force-merge, health) may take
REBUILD_REQUEST_TIMEOUT = 45 * 60


def _configured_replicas() -> int:
    return int(PortalDocument._index._settings.get("number_of_replicas", 0))


def _configured_shards() -> int:
    return int(PortalDocument._index._settings.get("number_of_shards", 1))


def _index_actions(kind_name: str, object_ids: list[str], concrete: str, version: int) -> list[dict]:
    """Bulk actions writing a batch's documents into the index being built."""
    return [
        {
            "_op_type": "index",
            "_index": concrete,
            "_id": document_id(kind_name, object_id),
            "version": version,
            "version_type": "external",
            "_source": live_source(kind_name, object_id, source),
        }
        for object_id, source in registry.get(kind_name).build_batch(object_ids).items()
    ]


def _bulk_in_background(client, batches):
    """Send each batch with one bulk request from a second thread while the
    caller's thread builds the next (the database and the search engine work
    at the same time). Yields how many documents each batch held."""
    pending: Queue = Queue(maxsize=2)
    failures: list[BaseException] = []

    def sender():
        while (batch := pending.get()) is not None:
            if failures or not batch:
                continue
            try:
                bulk(client, batch, chunk_size=len(batch), raise_on_error=True)
            except BaseException as error:  # noqa: BLE001 - re-raised in the caller's thread
                failures.append(error)

    thread = Thread(target=sender, name="search-reindex-sender", daemon=True)
    thread.start()
    try:
        for batch in batches:
            if failures:
                break
            pending.put(batch)
            yield len(batch)
    finally:
        pending.put(None)
        thread.join()
    if failures:
        raise failures[0]


def _bulk_in_processes(id_batches, *, concrete: str, version: int, workers: int):
    """Build and send each batch in one of ``workers`` forked processes; at
    most two batches per process wait, so the id scan never runs far ahead.
    Yields how many documents each batch held."""
    # The processes are forked here, all at once, while this process holds no
    # database connection: each opens its own (a shared socket would mix
    # their conversations).
    db_connections.close_all()
    pool = multiprocessing.get_context("fork").Pool(workers, initializer=_rebuild_worker_start)
    pending: deque = deque()
    try:
        for kind_name, batch in id_batches:
            pending.append(pool.apply_async(_rebuild_worker_send, (kind_name, batch, concrete, version)))
            if len(pending) >= 2 * workers:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()
    except BaseException:
        pool.terminate()
        raise
    finally:
        pool.close()
        pool.join()


#: the Elasticsearch client of a rebuild worker process
_worker_client = None


def _rebuild_worker_start() -> None:
    global _worker_client  # noqa: PLW0603 - one client per worker process
    _worker_client = get_client(fresh=True).options(request_timeout=REBUILD_REQUEST_TIMEOUT)


class RebuildWorkerError(RuntimeError):
    """A rebuild worker process failed (its error, as text: the engine's own
    errors do not all survive the trip back from the process)."""


def _rebuild_worker_send(kind_name: str, object_ids: list[str], concrete: str, version: int) -> int:
    try:
        actions = _index_actions(kind_name, object_ids, concrete, version)
        if actions:
            bulk(_worker_client, actions, chunk_size=len(actions), raise_on_error=True)
    except Exception as error:
        raise RebuildWorkerError(f"{type(error).__name__}: {error}") from None
    return len(actions)


def _batches(items, size: int):
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _progress_line(done: int, total: int, started: float) -> str:
    elapsed = max(time.monotonic() - started, 1e-6)
    rate = done / elapsed
    remaining = (total - done) / rate if rate and total > done else 0
    return f"{done}/{total} documents, {rate:,.0f} docs/s, ETA {remaining:,.0f} s"


def search_query_log(
    *,
    query: str,
    results: int,
    language: str,
    organization=None,
    user_id: int | None = None,
    at: datetime | None = None,
) -> SearchQueryLog | None:
    """Remember what partners searched for (zero-result queries feed the
    content team) and tell ``query_logged`` receivers who searched, in the
    same transaction as the log row."""
    if not query.strip():
        return None
    with transaction.atomic():
        entry = SearchQueryLog.objects.create(
            query=query[:200],
            normalized_query=normalize_query(query)[:200],
            results=results,
            language=language,
            organization=organization,
            created_at=at or timezone.now(),
        )
        query_logged.send(sender=SearchQueryLog, entry=entry, user_id=user_id)
    return entry


#: the shared cache's list where search log lines wait for
#: :func:`search_query_log_drain` (a cache key, so it carries the cache's prefix)
QUERY_LOG_KEY = "search:query-log"
#: seconds the drain task waits after the first line into an empty list, so
#: that one task writes the lines of that second instead of one task a search
QUERY_LOG_WAIT = 1
#: lines taken from the list (and written) at a time
QUERY_LOG_BATCH = 200


def search_query_log_later(
    *, query: str, results: int, language: str, organization_id: int | None, user_id: int | None = None
) -> None:
    """Log the query after the request's commit without making the partner
    wait for the log row and its activity event, nor for the line itself: once
    the response is sent (programs.after_response) the line goes onto a list
    in the shared cache (one Redis command) and a worker writes the lines in
    batches (``search.tasks.write_search_query_log``, queued by the line that
    finds the list empty, and every minute by beat). A Redis outage loses the
    log line, never the search; without Redis (the embedded default) the
    line is written then, by the web process."""
    if not query.strip():
        return
    line = {
        "query": query,
        "results": results,
        "language": language,
        "organization_id": organization_id,
        "user_id": user_id,
        "at": timezone.now().isoformat(),
    }
    transaction.on_commit(lambda: after_response(lambda: _query_log_push(line)))


def _query_log_push(line: dict) -> None:
    from .tasks import write_search_query_log

    client = shared_redis()
    if client is None:
        _query_log_write([line])
        return
    try:
        waiting = client.rpush(cache.make_key(QUERY_LOG_KEY), json.dumps(line))
    except RedisError:
        logger.warning("Search query not logged: the shared cache is unreachable", exc_info=True)
        return
    if waiting % QUERY_LOG_BATCH == 1:
        # The first line into an empty list: every later one finds this task
        # (or the one writing) ahead of it. A lost task leaves the lines to
        # beat, or to the task the next batch's first line queues.
        # No retries: a search must not wait on a dead broker.
        write_search_query_log.queue_or_hold(countdown=QUERY_LOG_WAIT, retry=False)


def search_query_log_drain(*, batch_size: int = QUERY_LOG_BATCH) -> int:
    """Write the search log lines waiting in the shared cache until none is
    left; returns how many were written. A database outage puts the batch
    back at the head of the list (written by the next run) and raises."""
    client = shared_redis()
    if client is None:
        return 0
    key = cache.make_key(QUERY_LOG_KEY)
    written = 0
    while True:
        # Taken off the list atomically: two drains never write a line twice.
        raw_lines = client.lpop(key, batch_size)
        if not raw_lines:
            return written
        try:
            written += _query_log_write([json.loads(raw) for raw in raw_lines])
        except DatabaseError:
            client.lpush(key, *reversed(raw_lines))
            raise


def _query_log_write(lines: list[dict]) -> int:
    # Organizations and people deleted since the search are not named (their
    # ids would break the inserts): looked up once for the whole batch.
    organizations = PartnerOrganization.objects.in_bulk({line["organization_id"] for line in lines} - {None})
    user_ids = set(
        get_user_model()
        .objects.filter(pk__in={line["user_id"] for line in lines} - {None})
        .values_list("pk", flat=True)
    )
    for line in lines:
        search_query_log(
            query=line["query"],
            results=line["results"],
            language=line["language"],
            organization=organizations.get(line["organization_id"]),
            user_id=line["user_id"] if line["user_id"] in user_ids else None,
            at=datetime.fromisoformat(line["at"]),
        )
    return len(lines)


def _queue_on_commit(task, *args, **kwargs) -> None:
    """Queue ``task`` once the transaction commits. A broker outage holds
    that message for beat to queue (portal.celery.PortalTask): the caller's
    work (a search, a rebuild) goes on without waiting for retries."""
    task.apply_async_on_commit(args, kwargs, retry=False)


def attachment_texts_request(*, file_names: dict[str, list[str]]) -> int:
    """Ask for the text of stored files not extracted yet: ``file_names`` maps
    each file to the documents ("kind:id") that offer it, re-indexed once the
    text is known. The extraction runs in its own task after commit; a file
    already requested adds the documents to its waiting list, and one
    extracted meanwhile has them indexed again at once."""
    from .tasks import extract_attachment_text

    if not file_names:
        return 0
    with transaction.atomic():
        AttachmentText.objects.bulk_create(
            [AttachmentText(file_name=name) for name in file_names], ignore_conflicts=True
        )
        requests = AttachmentText.objects.select_for_update().filter(file_name__in=file_names)
        waiting, new, done = [], [], []
        for request in requests:
            keys = file_names[request.file_name]
            if request.outcome == AttachmentText.Outcome.PENDING:
                if not request.waiting:  # created just now: its task is still to be queued
                    new.append(request.file_name)
                request.waiting = sorted({*request.waiting, *keys})
                waiting.append(request)
            else:
                done.extend(keys)
        AttachmentText.objects.bulk_update(waiting, ["waiting"])
        _enqueue_keys(done)
    # A request whose task is lost stays pending: extract_pending_attachment_texts
    # picks it up (a rebuild must not stop because the broker is down).
    for file_name in new:
        _queue_on_commit(extract_attachment_text, file_name)
    return len(new)


def _enqueue_keys(keys) -> None:
    """Queue documents named "kind:object id"."""
    by_kind: dict[str, list[str]] = {}
    for key in keys:
        kind, object_id = key.split(":", 1)
        by_kind.setdefault(kind, []).append(object_id)
    for kind, object_ids in by_kind.items():
        index_enqueue_many(kind=kind, object_ids=object_ids)


def attachment_text_extract(*, file_name: str, time_budget: float | None = None) -> AttachmentText | None:
    """Extract a requested file's text (bounded in size and time, see
    content.extraction) and queue the documents waiting for it. Idempotent:
    a file already extracted is left alone."""
    from content.extraction import DEFAULT_TIME_BUDGET, ExtractionTooLarge, file_text

    request = AttachmentText.objects.filter(file_name=file_name, outcome=AttachmentText.Outcome.PENDING).first()
    if request is None:
        return None
    # The extraction runs outside any transaction: it may take seconds and
    # holds no lock; the row is claimed only to write the outcome.
    text, outcome, error = "", AttachmentText.Outcome.EXTRACTED, ""
    try:
        with default_storage.open(file_name, "rb") as stored:
            text = file_text(stored, time_budget=DEFAULT_TIME_BUDGET if time_budget is None else time_budget)
    except ExtractionTooLarge as too_large:
        outcome, error = AttachmentText.Outcome.TOO_LARGE, str(too_large)
    except Exception as failure:  # noqa: BLE001 - any unreadable file is recorded, never retried forever
        logger.warning("Text extraction of %s failed: %s", file_name, failure)
        outcome, error = AttachmentText.Outcome.FAILED, str(failure)[:2000]
    with transaction.atomic():
        request = AttachmentText.objects.select_for_update().get(pk=request.pk)
        if request.outcome != AttachmentText.Outcome.PENDING:
            return request
        request.text, request.outcome, request.error = text, outcome, error
        request.extracted_at = timezone.now()
        request.save(update_fields=["text", "outcome", "error", "extracted_at"])
        _enqueue_keys(request.waiting)
    return request


def attachment_texts_extract_pending(*, older_than: timedelta = timedelta(0), limit: int = 100) -> int:
    """Extract requests still pending (their task was lost, or beat's sweep)."""
    names = list(
        AttachmentText.objects.filter(
            outcome=AttachmentText.Outcome.PENDING, requested_at__lte=timezone.now() - older_than
        )
        .order_by("requested_at")
        .values_list("file_name", flat=True)[:limit]
    )
    for name in names:
        attachment_text_extract(file_name=name)
    return len(names)
