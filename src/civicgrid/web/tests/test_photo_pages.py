"""Pages link photos through the checking view; the phone app forgets its user at logout."""

import json
import re

import pytest

from civicgrid.web.tests import conftest_field
from civicgrid.web.tests.conftest_field import make_case

field_city = conftest_field.field_city
fcity = conftest_field.fcity


def _photo_links(html: str) -> set[str]:
    return set(re.findall(r'(?:src|href)="(/(?:photos|media)/[^"]*)"', html))


def test_pages_link_photos_only_through_the_checking_view(client, fcity):
    """Case page, task page and worklist show /photos/ addresses, never /media/ files."""
    case = make_case(fcity, "resolved")
    photo = case.photos.get()
    expected = {f"/photos/{photo.pk}/", f"/photos/{photo.pk}/thumbnail/"}
    pages = [
        ("dispatcher", f"/cases/{case.pk}/"),
        ("inspector", f"/m/tasks/{case.pk}/"),
    ]
    for username, url in pages:
        client.force_login(fcity.user(username))
        links = _photo_links(client.get(url).content.decode())
        assert links == expected, (url, links)
        for link in links:
            assert client.get(link).status_code == 200, link


def test_the_service_worker_never_caches_photos(client, fcity):
    """The worker's configuration lists /photos/ and /media/ as passed through, never cached."""
    client.force_login(fcity.user("inspector"))
    script = client.get("/m/sw.js").content.decode()
    config = json.loads(re.search(r"const CONFIG = (\{.*?\});", script).group(1))
    assert {"/photos/", "/media/"} <= set(config["private"])
    assert config["user"] == str(fcity.users["inspector"])
    assert "isPrivateFile(url)) { return; }" in script
    assert 'indexOf("/media/") === 0) {' not in script  # the old cache-first rule


@pytest.mark.parametrize(("username", "url"), [("inspector", "/m/"), ("dispatcher", "/cases/")])
def test_logout_forms_clear_the_browser_first(client, fcity, username, url):
    """Both layouts load the clearing script and mark their logout form for it."""
    client.force_login(fcity.user(username))
    html = client.get(url).content.decode()
    assert re.search(r'<form action="/accounts/logout/" method="post" data-cg-logout', html)
    assert "/static/web/logout.js" in html


def test_the_phone_app_registers_one_worker_per_user(client, fcity):
    """The worker URL and the outbox key carry the user, so queues never cross users."""
    client.force_login(fcity.user("inspector"))
    html = client.get("/m/").content.decode()
    pk = fcity.users["inspector"]
    assert f'data-sw="/m/sw.js?u={pk}"' in html
    assert f'data-user="{pk}"' in html
    assert "还有 {n} 条上报等待发送" in html


def test_logout_answer_tells_the_browser_to_clear_site_storage(client, fcity):
    """The logout response carries Clear-Site-Data for the worker, caches and outbox."""
    client.force_login(fcity.user("inspector"))
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert response["Clear-Site-Data"] == '"storage"'
    assert "_auth_user_id" not in client.session
