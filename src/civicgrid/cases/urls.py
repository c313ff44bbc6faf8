"""URLs of the cases app outside the API: the protected photo files."""

from django.urls import path

from civicgrid.cases import views

app_name = "photos"

urlpatterns = [
    path("<int:photo_id>/", views.photo_file, name="photo"),
    path(
        "<int:photo_id>/thumbnail/", views.photo_file, {"variant": "thumbnail"}, name="thumbnail"
    ),
]
