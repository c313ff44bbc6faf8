"""Root URLs: the web pages, the admin, the API and the protected photo files.

There is no public ``/media/`` route: photos are served only by
``civicgrid.cases.views``, which checks who is asking.
"""

from django.contrib import admin
from django.urls import include, path

from civicgrid.api.v1 import api

urlpatterns = [
    path("", include("civicgrid.web.urls")),
    path("accounts/", include("civicgrid.org.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("photos/", include("civicgrid.cases.urls")),
]
