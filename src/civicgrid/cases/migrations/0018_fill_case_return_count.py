"""Fill ``Case.return_count`` from the ``return`` events of cases opened before 0030.

The to-do lists call a case returned at least twice "hard" (疑难); without
this, older cases would count their returns from zero.
"""

from django.db import migrations
from django.db.models import Count


def fill(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    CaseEvent = apps.get_model("cases", "CaseEvent")
    alias = schema_editor.connection.alias
    counts = (
        CaseEvent.objects.using(alias)
        .filter(action="return")
        .order_by()
        .values("case_id")
        .annotate(n=Count("id"))
    )
    for row in counts:
        Case.objects.using(alias).filter(pk=row["case_id"]).update(return_count=row["n"])


class Migration(migrations.Migration):
    dependencies = [("cases", "0017_case_return_count")]

    # Reverse: the column is dropped by reversing 0030; nothing to undo here.
    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
