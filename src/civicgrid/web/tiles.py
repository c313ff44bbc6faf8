"""Map tile settings: a URL template and the coordinate system its tiles use.

Chinese commercial tiles are drawn in GCJ-02 (AMap) while Tianditu and
OpenStreetMap use WGS-84/CGCS2000; pages receive coordinates already in the
tiles' system (``display_crs``) so markers sit on the right street.
"""

from urllib.parse import urlsplit

from django.conf import settings

from civicgrid.core.coords import GCJ02, WGS84

PRESETS = {
    "osm": {
        "url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "attribution": "© OpenStreetMap contributors",
        "crs": WGS84,
        "subdomains": "",
    },
    "tianditu": {
        "url": "https://t{s}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
        "&LAYER=vec&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}"
        "&TILECOL={x}&tk={key}",
        "attribution": "© 天地图",
        "crs": WGS84,
        "subdomains": "01234567",
    },
    "amap": {
        "url": "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8"
        "&x={x}&y={y}&z={z}",
        "attribution": "© 高德地图",
        "crs": GCJ02,
        "subdomains": "1234",
    },
}


def tile_config() -> dict:
    """Return the tile layer the maps use (``CIVICGRID_TILE_URL`` or a preset)."""
    return resolve_tiles(settings.CIVICGRID)


def resolve_tiles(options: dict) -> dict:
    """Return the tile layer that the ``CIVICGRID`` options choose.

    Takes the options rather than reading settings so the settings module can
    ask it too (the Content-Security-Policy must allow exactly these hosts).
    """
    preset = PRESETS.get(options.get("TILE_PRESET") or "osm", PRESETS["osm"])
    config = dict(preset)
    if options.get("TILE_URL"):
        config["url"] = options["TILE_URL"]
        config["crs"] = options.get("TILE_CRS") or WGS84
        config["attribution"] = options.get("TILE_ATTRIBUTION") or ""
    config["url"] = config["url"].replace("{key}", options.get("TILE_KEY") or "")
    return config


def tile_origins(config: dict) -> list[str]:
    """Return the origins the browser fetches tiles from, for ``img-src``.

    ``{s}`` in the host name is expanded to each subdomain, or to a wildcard
    first label when none are listed; a relative URL is the site itself and
    needs no entry.
    """
    parts = urlsplit(config.get("url") or "")
    if not parts.scheme or not parts.netloc:
        return []
    host = parts.netloc
    if "{s}" not in host:
        return [f"{parts.scheme}://{host}"]
    subdomains = config.get("subdomains") or ""
    if subdomains:
        return [f"{parts.scheme}://{host.replace('{s}', s)}" for s in subdomains]
    labels = host.split(".")
    return [f"{parts.scheme}://*." + ".".join(labels[1:])] if len(labels) > 2 else []
