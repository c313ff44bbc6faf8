"""Add the append-only, keyed checkpoint chain over all case heads."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0007_sign_legacy_event_chains"),
    ]

    operations = [
        migrations.CreateModel(
            name="AuditCheckpoint",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("seq", models.PositiveIntegerField(unique=True, verbose_name="sequence")),
                ("created_at", models.DateTimeField(verbose_name="created at")),
                ("case_count", models.PositiveIntegerField(verbose_name="cases")),
                ("root", models.CharField(max_length=64, verbose_name="Merkle root")),
                ("heads", models.JSONField(default=list, verbose_name="case heads")),
                ("prev_hash", models.CharField(editable=False, max_length=64)),
                ("key_id", models.CharField(editable=False, max_length=16, verbose_name="key id")),
                ("hash", models.CharField(editable=False, max_length=64)),
            ],
            options={
                "verbose_name": "audit checkpoint",
                "verbose_name_plural": "audit checkpoints",
                "ordering": ["seq"],
            },
        ),
    ]
