"""Row locks held by another database session, as a concurrent request or
worker holds them, for tests of what must not wait behind them."""

import threading
from contextlib import contextmanager

from django.db import connection, transaction


@contextmanager
def row_locked_elsewhere(lock):
    """Run ``lock()`` in another session's open transaction until the block ends."""
    locked, release, failures = threading.Event(), threading.Event(), []

    def hold():
        try:
            with transaction.atomic():
                lock()
                locked.set()
                release.wait(timeout=60)
        except BaseException as error:  # the main thread reports it
            failures.append(error)
            locked.set()
        finally:
            connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    assert locked.wait(timeout=30), "the other session never took its lock"
    assert not failures, failures
    try:
        yield
    finally:
        release.set()
        holder.join(timeout=30)
