"""Copy each unfiled case's first report category into Case.category_guess.

Duplicate detection now reads the guess from the case instead of joining
reports; cases opened before 0002 need it filled to stay findable.
"""

from django.db import migrations


def fill(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    Report = apps.get_model("cases", "Report")
    alias = schema_editor.connection.alias
    firsts = (
        Report.objects.using(alias)
        .filter(case__category_guess__isnull=True, category_guess__isnull=False)
        .order_by("case_id", "reported_at", "id")
        .values_list("case_id", "category_guess_id")
    )
    seen = set()
    for case_id, category_id in firsts:
        if case_id not in seen:
            seen.add(case_id)
            Case.objects.using(alias).filter(pk=case_id).update(category_guess_id=category_id)


class Migration(migrations.Migration):
    dependencies = [("cases", "0002_case_category_guess")]

    # Reverse: the column is dropped by reversing 0002; nothing to undo here.
    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
