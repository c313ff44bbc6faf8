"""Models of the notify app."""

from civicgrid.notify.models.outbox import Notification
from civicgrid.notify.models.reads import NotificationRead

__all__ = ["Notification", "NotificationRead"]
