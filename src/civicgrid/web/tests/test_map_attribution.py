"""The map attribution keeps WCAG AA contrast (4.5:1) whatever is drawn beneath it.

Leaflet's own attribution is a #0078A8 link on 80 % white: over white it
passes, over the screen's dark backdrop (or a dark tile, or no tiles once
they fail to load) it does not, so axe's verdict on a console depended on
what had rendered by the time it looked. Our stylesheets give the
attribution an opaque box in our own colours; these tests draw a bare map
with the real stylesheets over backdrops from white to black and run axe's
colour-contrast rule on the attribution alone. No server or database needed.
"""

from pathlib import Path

import pytest

from civicgrid.testing.browser import AXE, ROOT, chromium, new_page

pytestmark = pytest.mark.browser
assert chromium  # the fixture, imported for pytest

STATIC = Path(__file__).resolve().parents[1] / "static" / "web"
LEAFLET = ROOT / "node_modules" / "leaflet" / "dist"
BACKDROPS = ("#ffffff", "#e9edf1", "#10263d", "#000000")


def attribution_violations(page, theme: str, backdrop: str) -> list:
    """Draw a map in ``theme`` over ``backdrop``; return axe's contrast violations on its attribution."""
    wrapper = ' class="scr"' if theme == "screen" else ""
    page.set_content(
        f'<main><div{wrapper}><div id="map" style="width:400px;height:300px"></div></div></main>'
    )
    page.add_style_tag(path=str(LEAFLET / "leaflet.css"))
    page.add_style_tag(path=str(STATIC / "civicgrid.css"))
    if theme == "screen":
        page.add_style_tag(path=str(STATIC / "screen.css"))
    page.add_style_tag(content=f"#map.leaflet-container {{ background: {backdrop}; }}")
    page.add_script_tag(path=str(LEAFLET / "leaflet.js"))
    page.evaluate(
        """() => {
          const map = L.map("map").setView([39.935, 119.6], 13);
          map.attributionControl.addAttribution("© OpenStreetMap contributors");
        }"""
    )
    page.locator(".leaflet-control-attribution a").wait_for()
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """() => axe.run({include: [".leaflet-control-attribution"]},
                         {runOnly: {type: "rule", values: ["color-contrast"]}})"""
    )
    assert result["passes"] or result["violations"], "axe checked nothing"
    return [
        (node["target"], node["any"][0]["message"])
        for violation in result["violations"]
        for node in violation["nodes"]
    ]


@pytest.mark.parametrize("backdrop", BACKDROPS)
@pytest.mark.parametrize("theme", ["console", "screen"])
def test_the_attribution_link_has_aa_contrast_over_any_backdrop(chromium, theme, backdrop):
    """The attribution and its link pass colour-contrast over light and dark backdrops alike."""
    page = new_page(chromium)
    try:
        assert attribution_violations(page, theme, backdrop) == []
    finally:
        page.context.close()
