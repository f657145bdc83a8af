from django.db import models
from django.utils import timezone


class OutboxOperation(models.TextChoices):
    INDEX = "index", "Index"
    DELETE = "delete", "Delete"


class IndexOutboxEntry(models.Model):
    """A pending change to the search index, written in the same transaction
    as the change itself so no update is lost when the search engine is down.

    The entry's id doubles as the document's external version: a replayed or
    out-of-order entry never overwrites a newer one.
    """

    document_type = models.CharField(max_length=40)
    object_id = models.CharField(max_length=64)
    operation = models.CharField(max_length=10, choices=OutboxOperation.choices)
    created_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.TextField(blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "search index outbox entry"
        verbose_name_plural = "search index outbox"
        indexes = [
            models.Index(
                fields=["next_attempt_at", "id"],
                condition=models.Q(processed_at__isnull=True),
                name="outbox_pending_idx",
            ),
            models.Index(fields=["document_type", "object_id", "-id"], name="outbox_object_idx"),
        ]

    def __str__(self):
        return f"{self.operation} {self.document_type}:{self.object_id} (#{self.pk})"
