"""The API documentation works offline and documents every request body."""

import re

import pytest
from django.contrib.staticfiles import finders

from civicgrid.api.v1 import api


@pytest.mark.django_db
def test_docs_page_references_no_external_host(client):
    """``/api/v1/docs`` loads Swagger UI from this site's static files, never from a CDN."""
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    page = response.content.decode()
    references = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert references, page
    external = [ref for ref in references if re.match(r"^(?:[a-z]+:)?//", ref)]
    assert not external, external
    scripts = [ref for ref in references if ref.endswith(".js")]
    assert any("swagger-ui" in ref for ref in scripts), scripts
    for ref in references:
        if ref.startswith("/static/"):
            assert finders.find(ref.removeprefix("/static/")), ref


def test_every_post_operation_documents_its_request_body():
    """Each POST has a request body with a schema for every content type and a description."""
    schema = api.get_openapi_schema()
    operations = [
        (path, operation)
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
        if method in ("post", "put", "patch")
    ]
    assert len(operations) >= 8
    for path, operation in operations:
        body = operation.get("requestBody")
        assert body, path
        assert body.get("description", "").strip(), path
        assert body.get("content"), path
        for content_type, content in body["content"].items():
            assert content.get("schema"), (path, content_type)
    reports = schema["paths"]["/api/v1/reports"]["post"]["requestBody"]["content"]
    assert set(reports) == {"application/json", "multipart/form-data"}
    assert "ReportIn" in schema["components"]["schemas"]
