"""The worklist console (being built)."""

from django.http import HttpResponse
from django.urls import path

from civicgrid.web.access import role_required


@role_required()
def index(request):
    """Placeholder until the console lands."""
    return HttpResponse("")


urlpatterns = [path("", index, name="worklist")]
