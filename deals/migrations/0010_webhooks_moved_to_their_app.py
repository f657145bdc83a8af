"""Webhook endpoints and deliveries now belong to the webhooks app, which
every app publishes its events through. Only Django's idea of the models
moves here: the tables and their rows stay untouched (webhooks 0001 takes
them over, webhooks 0002 renames them)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("deals", "0009_private_files"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(model_name="webhookendpoint", name="organization"),
                migrations.DeleteModel(name="WebhookDelivery"),
                migrations.DeleteModel(name="WebhookEndpoint"),
            ],
            database_operations=[],
        )
    ]
