# The shared record of periodic task runs and worker heartbeats (lease + /healthz).

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0012_report_idempotency_per_submitter"),
    ]

    operations = [
        migrations.CreateModel(
            name="TaskRun",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=100, unique=True, verbose_name="task")),
                (
                    "started_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="last started"),
                ),
                (
                    "finished_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="last finished"),
                ),
                (
                    "succeeded_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="last succeeded"),
                ),
                ("error", models.TextField(blank=True, verbose_name="last error")),
                (
                    "heartbeat_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="last heartbeat"),
                ),
                ("restarts", models.PositiveIntegerField(default=0, verbose_name="restarts")),
                (
                    "lease_owner",
                    models.CharField(blank=True, max_length=100, verbose_name="lease holder"),
                ),
                (
                    "lease_until",
                    models.DateTimeField(blank=True, null=True, verbose_name="lease ends"),
                ),
            ],
            options={
                "verbose_name": "task run",
                "verbose_name_plural": "task runs",
                "ordering": ["name"],
            },
        ),
    ]
