"""Tell every process that cases changed, through Redis pub/sub when one is configured.

The message says only "something changed": receivers re-read the change
cursor (the newest case event id) from the database, so a lost, duplicated
or foreign message can cost an extra read but never show a wrong state.
Publishing is best effort after the commit: a Redis outage must not fail a
report or a transition, and the live streams fall back to a periodic
database read (see :mod:`civicgrid.web.live`).
"""

import logging
import threading

from django.conf import settings

log = logging.getLogger(__name__)

#: The pub/sub channel of case changes (pub/sub is shared by all Redis databases).
CHANNEL = "civicgrid:case-changed"
#: Seconds a publish may take before it is given up (the commit is already done).
PUBLISH_TIMEOUT = 0.5

_clients: dict[str, object] = {}
_clients_lock = threading.Lock()


def redis_url() -> str:
    """Return the Redis URL of the live fan-out, or "" when none is configured."""
    return settings.CIVICGRID.get("REDIS_URL", "") or ""


def _sync_client(url: str):
    with _clients_lock:
        client = _clients.get(url)
        if client is None:
            import redis

            client = redis.Redis.from_url(
                url, socket_timeout=PUBLISH_TIMEOUT, socket_connect_timeout=PUBLISH_TIMEOUT
            )
            _clients[url] = client
        return client


def publish_case_change() -> bool:
    """Publish "cases changed"; return whether a Redis took the message.

    Called from ``transaction.on_commit``; never raises.
    """
    url = redis_url()
    if not url:
        return False
    try:
        _sync_client(url).publish(CHANNEL, b"1")
    except Exception as exc:  # redis.RedisError, OSError: the cursor poll still catches up
        log.warning("could not publish a case change to Redis: %s", exc)
        return False
    return True


def async_client(url: str):
    """Return a new ``redis.asyncio`` client for ``url`` (one per event loop)."""
    import redis.asyncio

    return redis.asyncio.Redis.from_url(url, socket_connect_timeout=2.0)
