"""Record the application key a report came with, to scope its idempotency key."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0010_caseevent_action_length"),
        ("org", "0002_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="report",
            name="submitted_by_key",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="org.apikey",
                verbose_name="submitted with API key",
            ),
        ),
    ]
