"""Duplicates at hand: the duplicates list, the side-by-side comparison, and a paged queue."""

from civicgrid.cases.models import Case, Report
from civicgrid.web.tests import conftest_desk as desk

demo_city = desk.demo_city
city = desk.city
clock = desk.clock
_media_in_tmp = desk._media_in_tmp

URL = "/intake/"


def _duplicate_pair(city, photos=()):
    condition = desk.a_condition()
    original = desk.report(city, category=condition.category_id, photos=[desk.jpeg()])
    lon, lat = desk.WEST
    again = desk.report(
        city,
        (lon + 0.0002, lat),
        category=condition.category_id,
        text="再次反映井盖破损",
        photos=list(photos),
    )
    report = Report.objects.get(case=again)
    assert report.duplicate_state == "proposed" and report.duplicate_of_id == original.pk
    return original, again, report


def test_duplicates_count_links_to_the_list_of_them(city, clock):
    """The count links to ``?queue=duplicates``, which lists only cases with a proposal."""
    original, again, _report = _duplicate_pair(city)
    alone = desk.report(city, desk.EAST)
    client = city.client("operator")
    html = client.get(URL).content.decode()
    assert 'href="/intake/?queue=duplicates"' in html
    response = client.get(URL, {"queue": "duplicates"})
    assert [case.pk for case in response.context["rows"]] == [again.pk]
    assert response.context["total"] == 1
    assert {original.pk, alone.pk}.isdisjoint(c.pk for c in response.context["rows"])
    page = response.content.decode()
    # The filters and the case links keep the sub-list.
    assert '<input type="hidden" name="queue" value="duplicates">' in page
    assert f"/intake/?queue=duplicates&amp;case={again.pk}" in page
    # An unknown sub-list is the whole queue.
    assert client.get(URL, {"queue": "nonsense"}).context["total"] == 3


def test_panel_and_case_page_show_the_suspected_original_side_by_side(city, clock):
    """Both reports' text, time, channel, photos, the distance and a two-point map."""
    original, again, report = _duplicate_pair(city, photos=[desk.jpeg((20, 20, 200))])
    client = city.client("operator")
    for html in (
        client.get(URL, {"case": again.pk}).content.decode(),
        client.get(f"{URL}cases/{again.pk}/", headers={"HX-Request": "true"}).content.decode(),
        client.get(f"/cases/{again.pk}/").content.decode(),
    ):
        assert 'class="dup-compare"' in html and "疑似原案卷" in html
        assert "再次反映井盖破损" in html and original.description in html
        assert f'href="/cases/{original.pk}/"' in html
        for photo in original.photos.all():
            assert f"/photos/{photo.pk}/thumbnail/" in html
        for photo in report.photos.all():
            assert f"/photos/{photo.pk}/thumbnail/" in html
        assert "data-dup-map" in html and 'data-original-lon="' in html
        assert f"/intake/reports/{report.pk}/merge" in html
        assert f"/intake/reports/{report.pk}/keep" in html
    pair = client.get(f"/cases/{again.pk}/").context["duplicate_pairs"]()[0]
    assert pair.original.pk == original.pk
    assert 15 <= pair.distance_m <= 19  # 0.0002° of longitude at 39.9° N is about 17 m
    # The original's own page shows no comparison (it is not the proposed duplicate).
    assert 'class="dup-compare"' not in client.get(f"/cases/{original.pk}/").content.decode()


def test_case_page_merge_joins_the_original(city, clock):
    """The merge button on the case page merges the report and comes back to the page."""
    original, again, report = _duplicate_pair(city)
    client = city.client("operator")
    page = f"/cases/{again.pk}/"
    response = client.post(f"{URL}reports/{report.pk}/merge", {"next": page})
    assert response.status_code == 302 and response["Location"] == page
    report.refresh_from_db()
    assert report.case_id == original.pk and report.duplicate_state == "confirmed"
    assert Case.objects.get(pk=again.pk).state == "voided"
    assert 'class="dup-compare"' not in client.get(page).content.decode()


def test_case_page_not_a_duplicate_keeps_both(city, clock):
    """ "Not a duplicate" on the case page rejects the proposal; the comparison goes away."""
    original, again, report = _duplicate_pair(city)
    client = city.client("shift_lead")
    page = f"/cases/{again.pk}/"
    client.post(f"{URL}reports/{report.pk}/keep", {"next": page})
    report.refresh_from_db()
    assert report.duplicate_state == "rejected" and report.case_id == again.pk
    assert 'class="dup-compare"' not in client.get(page).content.decode()
    assert client.get(URL, {"queue": "duplicates"}).context["total"] == 0


def test_other_roles_see_the_comparison_without_the_buttons(city, clock):
    """A dispatcher sees the suspected original but not the decisions (not theirs)."""
    original, again, report = _duplicate_pair(city)
    html = city.client("dispatcher").get(f"/cases/{again.pk}/").content.decode()
    assert 'class="dup-compare"' in html
    assert f"/intake/reports/{report.pk}/merge" not in html


def test_queue_pages_beyond_fifty_rows(city, clock):
    """More than 50 waiting cases are reached through page links that keep the filters."""
    made = [desk.report(city, desk.WEST if i % 2 else desk.EAST).pk for i in range(53)]
    client = city.client("operator")
    first = client.get(URL, {"sort": "oldest"})
    assert first.context["total"] == 53
    assert len(first.context["rows"]) == 50
    html = first.content.decode()
    assert 'href="/intake/?sort=oldest&amp;page=2"' in html
    assert 'rel="next"' in html
    second = client.get(URL, {"sort": "oldest", "page": "2"})
    rows = [case.pk for case in first.context["rows"]] + [
        case.pk for case in second.context["rows"]
    ]
    assert rows == made  # oldest first, every case once
    assert 'rel="prev"' in second.content.decode()
    # Opening a case from page 2 keeps the page.
    assert f"/intake/?sort=oldest&amp;page=2&amp;case={made[-1]}" in second.content.decode()
    # A page past the end shows the last one; a bad page number the first.
    assert client.get(URL, {"sort": "oldest", "page": "9"}).context["page"].number == 2
    assert client.get(URL, {"page": "x"}).context["page"].number == 1
