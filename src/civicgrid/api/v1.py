"""Assemble ``/api/v1/``: one NinjaAPI with every app's router."""

from ninja import NinjaAPI

from civicgrid.api import errors
from civicgrid.api.auth import STAFF_AUTH
from civicgrid.api.docs import document_request_bodies


class CivicGridAPI(NinjaAPI):
    """The NinjaAPI whose OpenAPI schema documents every request body."""

    def get_openapi_schema(self, *args, **kwargs):
        """Return the schema with every request body described (``api.docs``)."""
        return document_request_bodies(super().get_openapi_schema(*args, **kwargs))


def build_api() -> NinjaAPI:
    """Return the API object with routers and error handlers installed."""
    from civicgrid.cases.api import router as cases_router
    from civicgrid.cases.todo_api import router as todo_router
    from civicgrid.categories.api import router as categories_router
    from civicgrid.org.api import auth_router, departments_router
    from civicgrid.places.api import router as places_router

    api = CivicGridAPI(
        title="CivicGrid API",
        version="1",
        description="数字化城市管理 — native JSON API. Errors are "
        '`{"error": code, "message": text, "fields": {}}`.',
        urls_namespace="api",
        auth=STAFF_AUTH,
        docs_url="/docs",
    )
    errors.install(api)
    api.add_router("/auth", auth_router, tags=["auth"])
    api.add_router("/places", places_router, tags=["places"])
    api.add_router("/categories", categories_router, tags=["categories"])
    api.add_router("/departments", departments_router, tags=["departments"])
    api.add_router("/", cases_router, tags=["cases"])
    api.add_router("/", todo_router, tags=["todo"])
    return api


api = build_api()
