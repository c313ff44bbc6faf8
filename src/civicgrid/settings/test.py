"""Settings for the test suite: fast hashing, tasks run in-process."""

from civicgrid.settings.base import *  # noqa: F403  (the settings pattern)

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
STORAGES = {  # noqa: F405
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Outermost: the browser fixtures wait for the live server's requests to end
# before the test database is flushed (civicgrid.testing.inflight).
MIDDLEWARE = ["civicgrid.testing.inflight.InFlightMiddleware", *MIDDLEWARE]  # noqa: F405

# Importing civicgrid.asgi in a test must not switch the test database to a pool.
CIVICGRID = {**CIVICGRID, "DB_POOL_SIZE": 0}  # noqa: F405
