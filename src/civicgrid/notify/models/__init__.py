"""Models of the notify app."""

from civicgrid.notify.models.outbox import Notification

__all__ = ["Notification"]
