"""Keep the in-process asset index in step with edits made through the ORM."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from civicgrid.assets.models import Asset


@receiver([post_save, post_delete], sender=Asset)
def drop_asset_index(sender, **kwargs):
    """Drop the cached asset index."""
    from civicgrid.assets.services import invalidate_asset_index

    invalidate_asset_index()
