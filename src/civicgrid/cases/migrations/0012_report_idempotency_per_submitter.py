"""Scope idempotency keys to the submitter instead of the channel.

The old constraint made (channel, key) unique, so two clients using the same
ticket number collided and a retry could return another client's report.
Now a key is unique per reporting user, or per application key for reports
that have no user.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0011_report_submitted_by_key"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="report",
            name="cases_report_unique_idempotency_key",
        ),
        migrations.AddConstraint(
            model_name="report",
            constraint=models.UniqueConstraint(
                condition=models.Q(
                    models.Q(("idempotency_key", ""), _negated=True),
                    ("reporter__isnull", False),
                ),
                fields=("reporter", "idempotency_key"),
                name="cases_report_idempotency_per_user",
            ),
        ),
        migrations.AddConstraint(
            model_name="report",
            constraint=models.UniqueConstraint(
                condition=models.Q(
                    models.Q(("idempotency_key", ""), _negated=True),
                    ("reporter__isnull", True),
                    ("submitted_by_key__isnull", False),
                ),
                fields=("submitted_by_key", "idempotency_key"),
                name="cases_report_idempotency_per_key",
            ),
        ),
    ]
