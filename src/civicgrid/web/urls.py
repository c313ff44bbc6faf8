"""URLs of the web pages."""

from django.contrib.auth import views as auth_views
from django.urls import path

from civicgrid.web import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path(
        "accounts/login/",
        # Without ``next`` go home: LOGIN_REDIRECT_URL's default page does not exist.
        auth_views.LoginView.as_view(template_name="web/login.html", next_page="web:home"),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(next_page="web:home"), name="logout"),
]
