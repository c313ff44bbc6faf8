"""Models of the categories app."""

from civicgrid.categories.models.categories import Category, FilingCondition

__all__ = ["Category", "FilingCondition"]
