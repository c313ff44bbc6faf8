"""Keep the in-process grid index in step with edits made through the ORM."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from civicgrid.common.cache import invalidate_now_and_on_commit
from civicgrid.places.models import Community, District, GridCell, Street


@receiver([post_save, post_delete], sender=GridCell)
@receiver([post_save, post_delete], sender=Community)
@receiver([post_save, post_delete], sender=Street)
@receiver([post_save, post_delete], sender=District)
def drop_cell_index(sender, **kwargs):
    """Drop the cached index everywhere, now and after the commit; names are baked into it."""
    from civicgrid.places.services.locating import invalidate_cell_index

    invalidate_now_and_on_commit(invalidate_cell_index)
