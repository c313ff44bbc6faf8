"""Record the API key a photo was uploaded with, so only that key (or user) attaches it."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0014_photo_received_sha256"),
        ("org", "0002_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="photo",
            name="uploaded_by_key",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="org.apikey",
                verbose_name="uploaded with API key",
            ),
        ),
    ]
