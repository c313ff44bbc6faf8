"""Drop cached key look-ups when keys, users or their groups change."""

from django.contrib.auth.models import Group
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from civicgrid.org import keycache
from civicgrid.org.models import ApiKey, User


@receiver([post_save, post_delete], sender=ApiKey)
@receiver([post_save, post_delete], sender=User)
@receiver([post_save, post_delete], sender=Group)
@receiver(m2m_changed, sender=User.groups.through)
def drop_cached_keys(sender, created=False, update_fields=None, **kwargs):
    """Forget cached look-ups in every process; the next request reads the database.

    A new key cannot be cached yet, and a login only stamps ``last_login``:
    neither changes what a cached look-up says, so neither invalidates.
    """
    if created or (update_fields is not None and set(update_fields) == {"last_login"}):
        return
    keycache.invalidate_on_commit()
