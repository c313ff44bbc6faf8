"""Name the audit key that signs each case event (empty for events written before keying)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0005_case_time_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="caseevent",
            name="key_id",
            field=models.CharField(
                blank=True, editable=False, max_length=16, verbose_name="key id"
            ),
        ),
    ]
