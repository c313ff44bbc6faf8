"""Count each case's returns (回退), so "returned twice" is a column test, not a subquery."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("cases", "0016_case_callback")]

    operations = [
        migrations.AddField(
            model_name="case",
            name="return_count",
            field=models.PositiveSmallIntegerField(default=0, verbose_name="times returned"),
        ),
    ]
