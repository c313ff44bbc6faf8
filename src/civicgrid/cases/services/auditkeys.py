"""The audit key ring: the secret keys that sign the case log, kept outside the database.

The case log is keyed (HMAC-SHA256) so that someone who can write the database, but cannot
read this key, cannot rewrite an event and recompute the chain after it. Keys come from:

- ``CIVICGRID_AUDIT_KEY`` (the active key itself), or else
- a key file (``CIVICGRID_AUDIT_KEY_FILE``, default ``DATA_DIR/audit_key``): one key per line,
  the first line active, later lines retired keys kept to verify older events. It is created
  once with a random key, mode 0600 (``O_EXCL``, so processes starting together agree), and is
  refused when group or others may read it;
- ``CIVICGRID_AUDIT_OLD_KEYS`` (comma-separated) adds retired keys in either mode.

Every event stores the id of the key that signed it (:func:`civicgrid.core.eventlog.key_id_of`),
so rotation (:func:`rotate_key_file`) only adds a line: old events keep verifying.
"""

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from civicgrid.core.eventlog import key_id_of

__all__ = ["MIN_KEY_LENGTH", "Keyring", "keyring", "rotate_key_file"]

#: Characters a configured key must have at least (a generated key has 64 hex digits).
MIN_KEY_LENGTH = 32


@dataclass(frozen=True)
class Keyring:
    """The active key (signs new events) and every key that verifies old ones, by id."""

    active_id: str
    keys: MappingProxyType

    @property
    def active(self) -> bytes:
        """Return the active key."""
        return self.keys[self.active_id]


def _config() -> dict:
    conf = settings.CIVICGRID
    return {
        "key": (conf.get("AUDIT_KEY") or "").strip(),
        "file": Path(conf.get("AUDIT_KEY_FILE") or Path(settings.DATA_DIR) / "audit_key"),
        "old": [k.strip() for k in conf.get("AUDIT_OLD_KEYS") or () if k.strip()],
    }


def _checked(key: str, source: str) -> bytes:
    if len(key) < MIN_KEY_LENGTH:
        raise ImproperlyConfigured(
            f"the audit key from {source} is shorter than {MIN_KEY_LENGTH} characters"
        )
    return key.encode("utf-8")


def _create_key_file(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(secrets.token_hex(32) + "\n")


def _read_key_file(path: Path) -> list[str]:
    if not path.exists():
        _create_key_file(path)
    mode = path.stat().st_mode
    if mode & 0o077:
        raise ImproperlyConfigured(
            f"the audit key file {path} may be read by others (mode {mode & 0o777:o}); "
            "run: chmod 600 " + str(path)
        )
    lines = path.read_text(encoding="utf-8").splitlines()
    keys = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    if not keys:
        raise ImproperlyConfigured(f"the audit key file {path} holds no key")
    return keys


_cache: dict = {}


def keyring() -> Keyring:
    """Return the key ring, read again whenever the settings or the key file change."""
    conf = _config()
    stamp = None
    if not conf["key"]:
        try:
            info = conf["file"].stat()
            stamp = (info.st_mtime_ns, info.st_size, info.st_ino, info.st_mode)
        except FileNotFoundError:
            stamp = None
    cache_key = (conf["key"], str(conf["file"]), tuple(conf["old"]), stamp)
    if stamp is not None and _cache.get("key") == cache_key:
        return _cache["ring"]
    if conf["key"]:
        active = _checked(conf["key"], "CIVICGRID_AUDIT_KEY")
        retired = []
    else:
        lines = _read_key_file(conf["file"])
        active = _checked(lines[0], str(conf["file"]))
        retired = [_checked(line, str(conf["file"])) for line in lines[1:]]
    retired += [_checked(key, "CIVICGRID_AUDIT_OLD_KEYS") for key in conf["old"]]
    keys = {key_id_of(key): key for key in [*retired, active]}
    ring = Keyring(key_id_of(active), MappingProxyType(keys))
    if not conf["key"]:
        _cache.update(key=cache_key, ring=ring)
    return ring


def rotate_key_file() -> str:
    """Put a new random key at the top of the key file, keep the old ones; return its id.

    Refused when the key comes from ``CIVICGRID_AUDIT_KEY``: then the operator sets the new
    value there and moves the old one to ``CIVICGRID_AUDIT_OLD_KEYS``.
    """
    conf = _config()
    if conf["key"]:
        raise ImproperlyConfigured(
            "the audit key is set by CIVICGRID_AUDIT_KEY: set the new key there and add the "
            "old one to CIVICGRID_AUDIT_OLD_KEYS"
        )
    path = conf["file"]
    old = _read_key_file(path)
    new = secrets.token_hex(32)
    temporary = path.with_name(path.name + ".new")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write("\n".join([new, *old]) + "\n")
    os.replace(temporary, path)  # atomic: readers see the old file or the new one
    _cache.clear()
    return key_id_of(new.encode("utf-8"))
