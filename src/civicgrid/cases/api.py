"""API handlers of the cases app."""

from ninja import Router

router = Router()
