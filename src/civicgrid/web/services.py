"""Read-only summaries for the web pages."""

from django.conf import settings

from civicgrid.assets.models import Asset
from civicgrid.categories.models import Category
from civicgrid.org.models import Department
from civicgrid.places.models import Community, District, GridCell, Street


def home_summary() -> dict:
    """Return the counts the home page shows."""
    return {
        "city_name": settings.CIVICGRID["CITY_NAME"],
        "districts": District.objects.count(),
        "streets": Street.objects.count(),
        "communities": Community.objects.count(),
        "cells": GridCell.objects.count(),
        "categories": Category.objects.filter(active=True).count(),
        "departments": Department.objects.filter(active=True).count(),
        "assets": Asset.objects.count(),
    }
