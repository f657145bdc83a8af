from datetime import datetime, timedelta

from celery import shared_task
from django.contrib.auth import get_user_model

from programs.models import PartnerOrganization

from . import services


@shared_task(ignore_result=True, acks_late=True)
def drain_index_outbox():
    """Drain until empty; entries that failed wait for their back-off and the
    periodic run picks them up."""
    while True:
        result = services.outbox_drain()
        if result.indexed + result.superseded == 0:
            return


#: at most once: a worker lost mid-batch drops the lines it took rather than
#: writing them twice (a database error puts them back)
@shared_task(ignore_result=True, acks_late=False)
def write_search_query_log():
    services.search_query_log_drain()


#: one search's log line, as queued before the lines waited in a list: kept
#: for the messages a running release left on the broker
@shared_task(ignore_result=True, acks_late=False)
def log_search_query(
    *, query: str, results: int, language: str, organization_id: int | None, at: str, user_id: int | None = None
):
    services.search_query_log(
        query=query,
        results=results,
        language=language,
        organization=PartnerOrganization.objects.filter(pk=organization_id).first() if organization_id else None,
        # A person deleted since the search is not named (their event would break the insert).
        user_id=user_id if user_id and get_user_model().objects.filter(pk=user_id).exists() else None,
        at=datetime.fromisoformat(at),
    )


@shared_task(ignore_result=True)
def purge_index_outbox():
    services.outbox_purge()


#: Celery's limits for one extraction, over the cooperative deadline of
#: content.extraction (the hard limit ends a worker child stuck in C code)
EXTRACTION_SOFT_TIME_LIMIT = 60
EXTRACTION_TIME_LIMIT = 90


@shared_task(
    ignore_result=True,
    acks_late=True,
    soft_time_limit=EXTRACTION_SOFT_TIME_LIMIT,
    time_limit=EXTRACTION_TIME_LIMIT,
)
def extract_attachment_text(file_name: str):
    services.attachment_text_extract(file_name=file_name)


@shared_task(ignore_result=True)
def extract_pending_attachment_texts():
    """Beat's sweep for requests whose task was lost."""
    services.attachment_texts_extract_pending(older_than=timedelta(minutes=15))
