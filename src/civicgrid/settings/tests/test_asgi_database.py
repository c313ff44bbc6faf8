"""Under ASGI each request closes its connection; PostgreSQL lends them from a pool."""

from civicgrid.settings.env import for_asgi


def test_postgresql_gets_a_pool_and_no_persistent_connections():
    database = {"ENGINE": "django.db.backends.postgresql", "CONN_MAX_AGE": 60, "OPTIONS": {}}
    for_asgi(database, 10)
    assert database["CONN_MAX_AGE"] == 0
    assert database["OPTIONS"]["pool"] == {"min_size": 1, "max_size": 10, "timeout": 10}


def test_sqlite_and_a_zero_size_get_no_pool():
    sqlite = for_asgi({"ENGINE": "django.db.backends.sqlite3", "CONN_MAX_AGE": 0}, 10)
    assert "pool" not in sqlite.get("OPTIONS", {})
    postgres = for_asgi({"ENGINE": "django.db.backends.postgresql", "CONN_MAX_AGE": 60}, 0)
    assert postgres["CONN_MAX_AGE"] == 0 and "pool" not in postgres.get("OPTIONS", {})


def test_an_operators_own_pool_options_are_kept():
    database = {"ENGINE": "django.db.backends.postgresql", "OPTIONS": {"pool": {"max_size": 4}}}
    assert for_asgi(database, 10)["OPTIONS"]["pool"] == {"max_size": 4}
