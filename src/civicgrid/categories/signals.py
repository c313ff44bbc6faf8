"""Keep the in-process category lookup in step with edits made through the ORM."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from civicgrid.categories.models import Category


@receiver([post_save, post_delete], sender=Category)
def drop_category_lookup(sender, **kwargs):
    """Drop the cached lookup; the next reference rebuilds it."""
    from civicgrid.categories.services import CATEGORY_LOOKUP

    CATEGORY_LOOKUP.invalidate()
