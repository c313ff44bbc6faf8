"""The native JSON API (``/api/v1/``): one NinjaAPI, one router per app."""
