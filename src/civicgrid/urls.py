"""Root URLs: the web pages, the admin and the API."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.static import serve

from civicgrid.api.v1 import api

urlpatterns = [
    path("", include("civicgrid.web.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]

# Uploaded photos are served by Django on the embedded default; a deployment
# with S3 storage serves them from the bucket instead.
urlpatterns += [
    path(
        f"{settings.MEDIA_URL.strip('/')}/<path:path>",
        serve,
        {"document_root": settings.MEDIA_ROOT},
    ),
]
