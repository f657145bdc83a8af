from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("incentives", "0006_rate_change_on_ledger_lines"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="ledgerline",
            index=models.Index(fields=["-earned_on", "-id"], name="incentive_line_recent_idx"),
        ),
        migrations.AddIndex(
            model_name="ledgerline",
            index=models.Index(fields=["kind", "-earned_on", "-id"], name="incentive_line_kind_idx"),
        ),
    ]
