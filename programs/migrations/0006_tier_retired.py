import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('programs', '0005_channel_ops_badge_images'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='tier',
            name='tier_unique_rank_per_locale',
        ),
        migrations.AddField(
            model_name='tier',
            name='retired',
            field=models.BooleanField(default=False, help_text='A retired tier leaves the ladder: its partners are re-evaluated onto the remaining tiers, and its rule history and tier changes are kept.', verbose_name='retired'),
        ),
        migrations.AlterField(
            model_name='tierruleversion',
            name='tier',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='rule_versions', to='programs.tier'),
        ),
        migrations.AddConstraint(
            model_name='tier',
            constraint=models.UniqueConstraint(condition=models.Q(('retired', False)), fields=('locale', 'rank'), name='tier_unique_rank_per_locale'),
        ),
    ]
