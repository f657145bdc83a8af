"""The webhook tables get this app's names and lose their foreign keys to
deals' events (every app publishes here now): the event a delivery reports
is kept as ``source_type``/``source_id``, copied from the old columns (deal
and lead events) or from the body (MDF and statement events). Pending
deliveries become due at their creation time, so the sweeper sends any
whose task was lost. Attempts get their own rows from now on; the allow-list
of private hosts is a new setting. The content types move with the models,
so the groups' permissions on them stay as they were."""

import django.core.validators
import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

#: event name prefix -> the audit event model it reports
PAYLOAD_SOURCES = {"mdf.": "mdf.mdfevent", "statement.": "incentives.statementevent"}
MOVED_MODELS = ("webhookendpoint", "webhookdelivery")


def copy_sources(apps, schema_editor):
    WebhookDelivery = apps.get_model("webhooks", "WebhookDelivery")
    for delivery in WebhookDelivery.objects.only("event_id", "lead_event_id", "event_type", "payload", "created_at"):
        if delivery.event_id:
            source = ("deals.dealevent", delivery.event_id)
        elif delivery.lead_event_id:
            source = ("deals.leadevent", delivery.lead_event_id)
        else:
            source_type = next(
                (label for prefix, label in PAYLOAD_SOURCES.items() if delivery.event_type.startswith(prefix)), ""
            )
            event_id = (delivery.payload or {}).get("event_id")
            source = (source_type, event_id) if source_type and isinstance(event_id, int) else ("", None)
        delivery.source_type, delivery.source_id = source
        delivery.next_attempt_at = delivery.created_at
        delivery.save(update_fields=["source_type", "source_id", "next_attempt_at"])


def copy_sources_back(apps, schema_editor):
    WebhookDelivery = apps.get_model("webhooks", "WebhookDelivery")
    WebhookDelivery.objects.filter(source_type="deals.dealevent").update(event_id=models.F("source_id"))
    WebhookDelivery.objects.filter(source_type="deals.leadevent").update(lead_event_id=models.F("source_id"))
    if schema_editor.connection.vendor == "postgresql":
        # Check the restored foreign keys now: PostgreSQL refuses the next
        # ALTER TABLE while their deferred checks are pending.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def _move_content_types(apps, from_label, to_label):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MOVED_MODELS:
        if not ContentType.objects.filter(app_label=to_label, model=model).exists():
            ContentType.objects.filter(app_label=from_label, model=model).update(app_label=to_label)


def move_content_types(apps, schema_editor):
    _move_content_types(apps, "deals", "webhooks")


def move_content_types_back(apps, schema_editor):
    _move_content_types(apps, "webhooks", "deals")


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("deals", "0010_webhooks_moved_to_their_app"),
        ("programs", "0010_data_rights"),
        ("webhooks", "0001_move_from_deals"),
    ]

    operations = [
        migrations.AlterModelTable(name="webhookendpoint", table=None),
        migrations.AlterModelTable(name="webhookdelivery", table=None),
        migrations.RenameIndex(
            model_name="webhookendpoint",
            new_name="webhooks_we_organiz_27b04c_idx",
            old_name="deals_webho_organiz_81818c_idx",
        ),
        migrations.RenameIndex(
            model_name="webhookdelivery",
            new_name="webhooks_we_organiz_f98ede_idx",
            old_name="deals_webho_organiz_9d059a_idx",
        ),
        migrations.AddField(
            model_name="webhookdelivery",
            name="source_type",
            field=models.CharField(blank=True, max_length=60, verbose_name="source"),
        ),
        migrations.AddField(
            model_name="webhookdelivery",
            name="source_id",
            field=models.PositiveBigIntegerField(blank=True, null=True, verbose_name="source id"),
        ),
        migrations.AddField(
            model_name="webhookdelivery",
            name="next_attempt_at",
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name="next attempt"),
        ),
        migrations.AddField(
            model_name="webhookdelivery",
            name="claimed_until",
            field=models.DateTimeField(blank=True, null=True, verbose_name="attempt in progress until"),
        ),
        migrations.RunPython(copy_sources, copy_sources_back),
        migrations.RemoveField(model_name="webhookdelivery", name="event"),
        migrations.RemoveField(model_name="webhookdelivery", name="lead_event"),
        migrations.AlterField(
            model_name="webhookdelivery",
            name="event_type",
            field=models.CharField(max_length=60, verbose_name="event"),
        ),
        migrations.AlterField(
            model_name="webhookendpoint",
            name="organization",
            field=models.ForeignKey(
                blank=True,
                help_text="Empty: a vendor endpoint receiving every partner's events.",
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="programs.partnerorganization",
                verbose_name="partner organization",
            ),
        ),
        migrations.AlterField(
            model_name="webhookendpoint",
            name="url",
            field=models.URLField(
                help_text="Receives a signed JSON POST for each event. It must be a public internet address.",
                max_length=500,
                validators=[django.core.validators.URLValidator(schemes=["http", "https"])],
                verbose_name="URL",
            ),
        ),
        migrations.AddIndex(
            model_name="webhookdelivery",
            index=models.Index(
                condition=models.Q(("status", "pending")), fields=["next_attempt_at"], name="webhook_delivery_due_idx"
            ),
        ),
        migrations.CreateModel(
            name="DeliveryAttempt",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("number", models.PositiveSmallIntegerField(verbose_name="attempt")),
                ("started_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="at")),
                ("duration_ms", models.PositiveIntegerField(default=0, verbose_name="duration (ms)")),
                ("address", models.GenericIPAddressField(blank=True, null=True, verbose_name="address")),
                ("status_code", models.PositiveSmallIntegerField(blank=True, null=True, verbose_name="HTTP status")),
                ("error", models.CharField(blank=True, max_length=300, verbose_name="error")),
                ("succeeded", models.BooleanField(default=False, verbose_name="succeeded")),
                (
                    "delivery",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="attempt_log",
                        to="webhooks.webhookdelivery",
                        verbose_name="delivery",
                    ),
                ),
            ],
            options={
                "verbose_name": "delivery attempt",
                "verbose_name_plural": "delivery attempts",
                "ordering": ["delivery", "number"],
                "constraints": [
                    models.UniqueConstraint(fields=("delivery", "number"), name="webhook_attempt_number_unique")
                ],
            },
        ),
        migrations.CreateModel(
            name="WebhookSettings",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "allowed_hosts",
                    models.TextField(
                        blank=True,
                        help_text=(
                            "One host name or IP address per line, exactly as written in the endpoint URLs. "
                            "Webhooks are only sent to public internet addresses; a host listed here may also be a "
                            "loopback, private or link-local address (an integration server inside your network). "
                            "Every other such address is refused."
                        ),
                        verbose_name="hosts allowed on private networks",
                    ),
                ),
            ],
            options={"verbose_name": "webhook settings", "verbose_name_plural": "webhook settings"},
        ),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
