from django.core.management.base import BaseCommand, CommandError
from elasticsearch import ApiError, TransportError

from search.services import RebuildWorkerError, documents_reindex


class Command(BaseCommand):
    help = "Rebuild the portal search index into a new index and swap the alias to it without downtime."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=1000)
        parser.add_argument(
            "--workers",
            type=int,
            default=1,
            help="processes building and sending batches (about one per free core; 1: this process only)",
        )

    def handle(self, *args, batch_size: int, workers: int, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        if workers < 1:
            raise CommandError("--workers must be at least 1.")
        try:
            result = documents_reindex(progress=self.stdout.write, batch_size=batch_size, workers=workers)
        except (TransportError, ApiError, RebuildWorkerError) as error:
            raise CommandError(f"Rebuild failed, the live index is unchanged: {error}") from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Indexed {result['documents']} documents into {result['index']} in {result['seconds']:.1f} s; "
                f"alias swapped, {result['replayed']} changes made during the rebuild replayed."
            )
        )
