"""Build the deal rollup (``analytics.models.DealDay``) from every
registration: once after deploying it on existing data (the nightly task and
the on-commit refreshes keep it current afterwards), or after loading deals
with SQL or COPY (which send no signals)."""

import time

from django.core.management.base import BaseCommand
from django.db import connection

from analytics.models import DealDay
from analytics.services import deal_rollup_refresh


class Command(BaseCommand):
    help = "Rebuild the daily deal rollup of program analytics from the deal table."

    def handle(self, *args, **options):
        started = time.perf_counter()
        rows = deal_rollup_refresh()
        if connection.vendor == "postgresql":  # VACUUM ANALYZE is PostgreSQL's; SQLite keeps no rollup
            with connection.cursor() as cursor:
                # Fresh statistics and visibility map: the report's index-only scans need both.
                cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(DealDay._meta.db_table)}")
        self.stdout.write(f"Deal rollup: {rows:,} rows in {time.perf_counter() - started:.0f} s")
