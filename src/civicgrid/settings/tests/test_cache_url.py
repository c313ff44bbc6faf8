"""``CIVICGRID_CACHE_URL``: which Django cache the platform shares its state through."""

import os
import subprocess
import sys

import pytest
from django.conf import settings

from civicgrid.settings.env import ConfigurationError, cache


def test_unset_means_local_memory():
    """The embedded default keeps the cache in each process, with room for rate counters."""
    config = cache("")
    assert config["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    assert config["OPTIONS"]["MAX_ENTRIES"] >= 10000


def test_the_environment_is_read_when_no_url_is_given(monkeypatch):
    """Without an argument the URL comes from CIVICGRID_CACHE_URL."""
    monkeypatch.setenv("CIVICGRID_CACHE_URL", "redis://cache.internal:6380/2")
    assert cache()["LOCATION"] == "redis://cache.internal:6380/2"
    monkeypatch.delenv("CIVICGRID_CACHE_URL")
    assert cache()["BACKEND"].endswith("LocMemCache")


@pytest.mark.parametrize(
    "url", ["redis://127.0.0.1:6379/3", "rediss://:secret@cache:6380/0", "unix:///run/r.sock"]
)
def test_redis_urls_select_djangos_redis_cache(url):
    """A Redis URL selects Django's own Redis backend, with the URL as its location."""
    config = cache(url)
    assert config["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert config["LOCATION"] == url


def test_locmem_and_dummy_are_accepted():
    """``locmem://`` and ``dummy://`` name the local and the no-op caches."""
    assert cache("locmem://")["BACKEND"].endswith("LocMemCache")
    assert cache("locmem://shared")["LOCATION"] == "shared"
    assert cache("dummy://") == {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}


@pytest.mark.parametrize("url", ["memcached://127.0.0.1:11211", "redis://", "127.0.0.1:6379"])
def test_anything_else_is_refused_with_the_variable_named(url):
    """An unsupported or incomplete URL stops start-up with a message naming the variable."""
    with pytest.raises(ConfigurationError, match="CIVICGRID_CACHE_URL"):
        cache(url)


def test_the_settings_use_the_parsed_cache():
    """The test settings keep a local-memory cache unless CIVICGRID_CACHE_URL is set."""
    expected = cache()["BACKEND"]
    assert settings.CACHES["default"]["BACKEND"] == expected
    if not os.environ.get("CIVICGRID_CACHE_URL"):
        assert expected.endswith("LocMemCache")


def test_a_redis_url_reaches_the_settings():
    """Settings loaded with CIVICGRID_CACHE_URL=redis://… configure Redis (fresh process)."""
    env = dict(os.environ, CIVICGRID_CACHE_URL="redis://127.0.0.1:6379/3")
    env["DJANGO_SETTINGS_MODULE"] = "civicgrid.settings.test"
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.CACHES['default']['BACKEND'])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "django.core.cache.backends.redis.RedisCache"
