"""Test helpers shared by every app's tests: factories and small-city builders.

Import from :mod:`civicgrid.testing.factories`. The module needs the ``dev``
extra (factory-boy), so nothing outside tests may import it.
"""
