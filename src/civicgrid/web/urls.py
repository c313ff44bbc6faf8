"""URLs of the web pages."""

from django.contrib.auth import views as auth_views
from django.urls import include, path

from civicgrid.web.views import cases, home, logout, maps, todo

app_name = "web"

urlpatterns = [
    path("", home.home, name="home"),
    path("healthz", home.healthz, name="healthz"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(template_name="web/login.html", next_page="web:home"),
        name="login",
    ),
    path("accounts/logout/", logout.LogoutView.as_view(), name="logout"),
    path("cases/", cases.case_list, name="cases"),
    path("cases/export.<str:fmt>", cases.case_export, name="cases_export"),
    path("cases/<int:case_id>/", cases.case_page, name="case"),
    path("cases/<int:case_id>/sheet/", cases.case_sheet, name="case_sheet"),
    path("cases/<int:case_id>/sheet.pdf", cases.case_sheet_pdf, name="case_sheet_pdf"),
    path("cases/<int:case_id>/act/<str:action>", cases.case_act, name="case_act"),
    path("categories/<int:category_id>/conditions", cases.conditions, name="conditions"),
    path("todo/panel", todo.panel, name="todo_panel"),
    path("todo/badges", todo.badges, name="todo_badges"),
    path("todo/<slug:key>/", todo.todo_list, name="todo_list"),
    path("notices/", todo.notices, name="notices"),
    path("notices/read", todo.notices_read, name="notices_read"),
    path("live/events", todo.events, name="live_events"),
    path("map/grid.geojson", maps.grid_geojson, name="map_grid"),
    path("map/cases.geojson", maps.cases_geojson, name="map_cases"),
    path("intake/", include("civicgrid.web.consoles.intake")),
    path("dispatch/", include("civicgrid.web.consoles.dispatch")),
    path("worklist/", include("civicgrid.web.consoles.worklist")),
    path("m/", include("civicgrid.web.consoles.mobile")),
    path("screen/", include("civicgrid.web.consoles.screen")),
]
