"""Keep the hash of a photo's bytes as uploaded, beside the hash of the stored copy.

Stored originals are re-encoded without metadata, so ``sha256`` (the stored bytes, used by
the event log) no longer equals the hash of what the client sent; this column keeps the
latter for spotting the same upload twice. Existing rows keep an empty value.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0013_taskrun"),
    ]

    operations = [
        migrations.AddField(
            model_name="photo",
            name="received_sha256",
            field=models.CharField(
                blank=True,
                db_index=True,
                default="",
                max_length=64,
                verbose_name="SHA-256 as uploaded",
            ),
        ),
    ]
