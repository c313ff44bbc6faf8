"""Widen the event's action name: ``confirm_not_duplicate`` has 21 characters."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0009_append_only_triggers"),
    ]

    operations = [
        migrations.AlterField(
            model_name="caseevent",
            name="action",
            field=models.CharField(max_length=30, verbose_name="action"),
        ),
    ]
