"""Read CivicGrid's configuration from the environment.

Kept apart from the settings modules so the parsing rules (booleans, lists,
the generated secret key) are tested once and shared by every settings file.
"""

import os
import secrets
from pathlib import Path

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


class ConfigurationError(ValueError):
    """Raise when an environment variable holds a value we cannot use."""


def env_bool(name: str, default: bool = False) -> bool:
    """Return the boolean value of ``name``; refuse anything ambiguous."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise ConfigurationError(f"{name}={raw!r} is not a boolean (use 1/0, true/false, yes/no).")


def env_list(name: str, default: list[str]) -> list[str]:
    """Return a comma-separated list from ``name``, without blanks."""
    raw = os.environ.get(name)
    if raw is None:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_number(name: str, default: float, minimum: float = 0) -> float:
    """Return the number in ``name`` (at least ``minimum``); refuse anything else.

    A typo in a lifetime or limit must stop the start, not silently become 0.
    """
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = float(raw.strip())
    except ValueError:
        value = None
    if value is None or value != value or value in (float("inf"), float("-inf")):
        raise ConfigurationError(f"{name}={raw!r} is not a number.")
    if value < minimum:
        raise ConfigurationError(f"{name}={raw!r} must be at least {minimum:g}.")
    return value


def data_dir() -> Path:
    """Return the data directory (created on demand): SQLite file, photos, key."""
    path = Path(os.environ.get("CIVICGRID_DATA_DIR", "./var")).expanduser().resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def secret_key(directory: Path) -> str:
    """Return ``CIVICGRID_SECRET_KEY`` or a key generated once into the data dir.

    Generating it once (rather than per process) keeps sessions valid across
    restarts and across the workers of one deployment sharing a data dir.
    """
    explicit = os.environ.get("CIVICGRID_SECRET_KEY")
    if explicit:
        return explicit
    key_file = directory / "secret_key"
    if key_file.exists():
        return key_file.read_text(encoding="utf-8").strip()
    key = secrets.token_urlsafe(50)
    # O_EXCL makes two processes starting together agree on one key.
    try:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return key_file.read_text(encoding="utf-8").strip()
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key)
    return key


def database(directory: Path) -> dict:
    """Return the default database settings from ``CIVICGRID_DATABASE_URL``.

    Without a URL the platform runs on its embedded default: an SQLite file
    in the data dir, in WAL mode so readers do not block the writer, and with
    IMMEDIATE transactions so two writers serialise instead of failing late.
    """
    import dj_database_url

    url = os.environ.get("CIVICGRID_DATABASE_URL", "").strip()
    if not url:
        url = f"sqlite:///{directory / 'civicgrid.sqlite3'}"
    try:
        config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    except Exception as exc:  # dj_database_url raises several types
        raise ConfigurationError(f"CIVICGRID_DATABASE_URL is not usable: {exc}") from exc
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["CONN_MAX_AGE"] = 0
        config["OPTIONS"] = {
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;"
            ),
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    return config


def for_asgi(database: dict, pool_size: int) -> dict:
    """Adapt one database's settings to ASGI serving, in place; return it.

    Each ASGI request runs its sync code in a thread of its own, so a
    persistent connection would outlive the only thread that could reuse it
    (Django advises ``CONN_MAX_AGE = 0`` under ASGI). Opening a PostgreSQL
    connection per request costs more than a report's own work, so each
    server process lends connections from a pool (psycopg_pool, through
    Django's ``"pool"`` option) of at most ``pool_size`` (0: no pool).
    """
    database["CONN_MAX_AGE"] = 0
    if pool_size > 0 and database.get("ENGINE") == "django.db.backends.postgresql":
        options = database.setdefault("OPTIONS", {})
        options.setdefault("pool", {"min_size": 1, "max_size": pool_size, "timeout": 10})
    return database


#: Entries a local-memory cache keeps before culling; Django's 300 is too few
#: once rate-limit counters (one per client and window) share it.
LOCMEM_MAX_ENTRIES = 20000


def cache(url: str | None = None) -> dict:
    """Return the default cache settings from ``CIVICGRID_CACHE_URL``.

    ``redis://host:port/db`` (or ``rediss://`` for TLS) shares the cache —
    rate limits, login lockouts, cached key look-ups, screen numbers —
    between every process and machine of a deployment. Unset (the embedded
    default) or ``locmem://`` keeps it in each process's memory; ``dummy://``
    caches nothing (and so limits nothing), for experiments only.
    """
    raw = os.environ.get("CIVICGRID_CACHE_URL", "") if url is None else url
    raw = raw.strip()
    scheme, _sep, rest = raw.partition("://")
    scheme = scheme.lower()
    if not raw or scheme == "locmem":
        return {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": rest or "civicgrid",
            "OPTIONS": {"MAX_ENTRIES": LOCMEM_MAX_ENTRIES},
        }
    if scheme == "dummy":
        return {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    if scheme in ("redis", "rediss", "unix"):
        if not rest.strip("/"):
            raise ConfigurationError(f"CIVICGRID_CACHE_URL={raw!r} names no Redis server.")
        return {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": raw,
            # CivicGrid's keys stay recognisable in a Redis shared with others.
            "KEY_PREFIX": "civicgrid",
        }
    raise ConfigurationError(
        f"CIVICGRID_CACHE_URL={raw!r} is not supported (use redis://host:port/db, "
        "locmem:// or dummy://)."
    )
