"""The in-app notices of one user: which are theirs, which are unread, marking them read.

A notice is addressed to a user (a verification task) or to a department
(every handler of it reads it). ``notices_for`` is the one restriction the
notices page, its badge and the mark-read action start from.
"""

from django.db.models import Exists, OuterRef, Q

from civicgrid.notify.models import Notification, NotificationRead
from civicgrid.org.choices import RoleName


def notices_for(user):
    """Return the notices addressed to ``user`` or, for a handler, to their department."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.roles:
        return Notification.objects.none()
    addressed = Q(user_id=user.pk)
    if user.department_id and RoleName.HANDLER in user.roles:
        addressed |= Q(department_id=user.department_id)
    read = NotificationRead.objects.filter(notification_id=OuterRef("pk"), user_id=user.pk)
    return Notification.objects.filter(addressed).annotate(is_read=Exists(read))


def unread_count(user) -> int:
    """Return how many of ``user``'s notices they have not read."""
    return notices_for(user).filter(is_read=False).count()


def mark_read(user, ids=None) -> int:
    """Mark ``user``'s notices ``ids`` (all when None) read; return how many were unread.

    Ids that are not the user's are ignored, as if they did not exist.
    """
    unread = notices_for(user).filter(is_read=False)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    rows = [
        NotificationRead(notification_id=pk, user_id=user.pk)
        for pk in unread.values_list("pk", flat=True)
    ]
    NotificationRead.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)
