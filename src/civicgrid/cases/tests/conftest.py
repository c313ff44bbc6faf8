"""Fixtures of the case-loop tests: the demo city once per package, API clients, a clock.

The demo city (``civicgrid.demo.city.build_demo_city``: 2 districts, 1,680 cells, 14 users with
their role groups, departments, categories and filing conditions, ~2 s) is built once per test
module inside an outer transaction that is rolled back when the module is done, so no other
module's tests ever see it. Each test then runs in its own savepoint (the usual pytest-django
``db`` rollback) on top of it.

A module that holds transactional tests (``transaction=True``) must not use :func:`demo_city`
at all: pytest-django runs transactional tests after all others, possibly straight after the
module's other tests while the outer transaction is still open. Such modules build what they
need themselves (see ``test_concurrency.py``).
"""

from __future__ import annotations

import io
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from civicgrid.testing import democity
from civicgrid.testing.democity import PASSWORD, Clock, local  # noqa: F401  (used by tests)

TZ = ZoneInfo("Asia/Shanghai")
HOST = "127.0.0.1"

#: A point well inside the west district (130391) and one inside the east district (130392).
# The shared demo-city fixtures, by assignment so they are this module's own.
demo_city = democity.demo_city
city = democity.city
clock = democity.clock
_media_in_tmp = democity._media_in_tmp
WEST = (119.590, 39.935)
EAST = (119.610, 39.935)
#: A point on the map but outside every cell of the city.
OUTSIDE = (119.400, 39.700)


def jpeg_bytes(color=(200, 30, 30), size=(32, 24)) -> bytes:
    """Return a small, valid JPEG."""
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG", quality=70)
    return out.getvalue()


def png_bytes(color=(30, 200, 30), size=(16, 16)) -> bytes:
    """Return a small, valid PNG."""
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def upload(data: bytes | None = None, name="photo.jpg", content_type="image/jpeg"):
    """Return an uploaded file for multipart posts (a fresh JPEG by default)."""
    return SimpleUploadedFile(name, jpeg_bytes() if data is None else data, content_type)


class Api:
    """A django test Client logged in through ``POST /api/v1/auth/token`` as one user."""

    def __init__(self, username: str, password: str = PASSWORD, client: Client | None = None):
        self.client = client or Client(HTTP_HOST=HOST)
        self.username = username
        response = self.client.post(
            "/api/v1/auth/token",
            {"username": username, "password": password},
            content_type="application/json",
        )
        assert response.status_code == 201, response.content
        self.token = response.json()["token"]
        self.headers = {"Authorization": f"Bearer {self.token}"}

    def get(self, path: str, params: dict | None = None):
        return self.client.get(f"/api/v1{path}", params or {}, headers=self.headers)

    def post(self, path: str, payload: dict | None = None):
        return self.client.post(
            f"/api/v1{path}",
            payload or {},
            content_type="application/json",
            headers=self.headers,
        )

    def multipart(self, path: str, data: dict):
        return self.client.post(f"/api/v1{path}", data, headers=self.headers)

    def act(self, case_id: int, action: str, **fields):
        """POST a transition; return the response."""
        return self.post(f"/cases/{case_id}/transitions", {"action": action, **fields})

    def ok(self, case_id: int, action: str, **fields) -> dict:
        """POST a transition that must succeed; return the case detail after it."""
        response = self.act(case_id, action, **fields)
        assert response.status_code == 200, (action, response.status_code, response.json())
        return response.json()["case"]

    def case(self, case_id: int) -> dict:
        response = self.get(f"/cases/{case_id}")
        assert response.status_code == 200, response.content
        return response.json()

    def report(self, lon: float, lat: float, channel: str = "inspector", photos=(), **extra):
        """POST a multipart report; return the response."""
        data = {
            "channel": channel,
            "lon": str(lon),
            "lat": str(lat),
            "description": extra.pop("description", "井盖破损，存在安全隐患"),
            **{k: str(v) for k, v in extra.items()},
        }
        if photos:
            data["photos"] = list(photos)
        return self.multipart("/reports", data)

    def upload_photos(self, count: int = 1) -> list[int]:
        files = [upload(jpeg_bytes(color=(10 * i, 80, 120))) for i in range(count)]
        response = self.multipart("/photos", {"photos": files})
        assert response.status_code == 201, response.content
        return [p["id"] for p in response.json()]


@pytest.fixture
def api(city):
    """Return a factory of logged-in API clients, one per demo username (cached)."""
    clients: dict[str, Api] = {}

    def get(username: str) -> Api:
        if username not in clients:
            clients[username] = Api(username)
        return clients[username]

    return get


@pytest.fixture
def condition(city):
    """A filing condition counted in working days (the common case)."""
    from civicgrid.categories.models import FilingCondition

    return (
        FilingCondition.objects.filter(
            active=True, category__active=True, limit_unit="working_days"
        )
        .select_related("category")
        .order_by("category__kind", "category__code", "position")
        .first()
    )
