"""URLs of the account pages (under ``/accounts/``; login and logout are in ``web``)."""

from django.urls import path

from civicgrid.org import views

app_name = "accounts"

urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("users/", views.user_list, name="users"),
    path("users/new/", views.user_create, name="user_create"),
    path("users/<int:user_id>/", views.user_edit, name="user_edit"),
    path("users/<int:user_id>/active", views.user_set_active, name="user_set_active"),
]
