"""Production fails closed: the checks, the entry points' defaults and the CSP header."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.checks import run_checks
from django.core.management.base import SystemCheckError
from django.test import SimpleTestCase, override_settings

from civicgrid.testing.browser import chromium  # noqa: F401  (fixture)
from civicgrid.web.checks import TAG, ensure_safe_to_serve, is_loopback
from civicgrid.web.tiles import PRESETS, resolve_tiles, tile_origins

STRONG_KEY = "k3y-" + "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMN"
TLS = {
    "SESSION_COOKIE_SECURE": True,
    "CSRF_COOKIE_SECURE": True,
    "SECURE_SSL_REDIRECT": True,
    "SECURE_HSTS_SECONDS": 31536000,
}
PLAIN_HTTP = dict.fromkeys(TLS, False) | {"SECURE_HSTS_SECONDS": 0}
TEMPLATES_DIR = Path(__file__).resolve().parents[1] / "templates"
CONSOLE_SCRIPT = Path(sys.executable).with_name("civicgrid")
SRC = Path(__file__).resolve().parents[3]


def production(loopback: bool = False, **extra) -> dict:
    """Return the CIVICGRID options of production settings."""
    return {**settings.CIVICGRID, "PRODUCTION": True, "ALLOW_INSECURE_LOOPBACK": loopback, **extra}


def check_ids() -> list[str]:
    """Run the production checks as ``check --deploy`` does; return the error ids, sorted."""
    return sorted(
        message.id
        for message in run_checks(include_deployment_checks=True, tags=[TAG])
        if message.is_serious()
    )


class ProductionChecksTests(SimpleTestCase):
    """The production checks refuse a missing secret key or TLS unless a loopback trial."""

    @override_settings(SECRET_KEY_FROM_ENVIRONMENT=False, **PLAIN_HTTP)
    def test_off_outside_production_settings(self):
        """Development and test settings are not held to production rules."""
        self.assertEqual(check_ids(), [])

    @override_settings(SECRET_KEY_FROM_ENVIRONMENT=False, SECRET_KEY=STRONG_KEY, **TLS)
    def test_generated_secret_key_is_an_error(self):
        """A generated key file is not enough for a public site."""
        with self.settings(CIVICGRID=production()):
            self.assertEqual(check_ids(), ["civicgrid.E102"])

    @override_settings(SECRET_KEY_FROM_ENVIRONMENT=True, SECRET_KEY=STRONG_KEY, **PLAIN_HTTP)
    def test_plain_http_is_an_error(self):
        """Without secure cookies, HTTPS redirect and HSTS production refuses to serve."""
        with self.settings(CIVICGRID=production()):
            self.assertEqual(check_ids(), ["civicgrid.E104"])
        for name in TLS:
            broken = TLS | {name: PLAIN_HTTP[name]}
            with self.subTest(missing=name), self.settings(**broken, CIVICGRID=production()):
                self.assertEqual(check_ids(), ["civicgrid.E104"])

    @override_settings(SECRET_KEY_FROM_ENVIRONMENT=True, SECRET_KEY=STRONG_KEY, **TLS)
    def test_configured_deployment_passes(self):
        """A secret key from the environment and TLS: no error."""
        with self.settings(CIVICGRID=production(), ALLOWED_HOSTS=["cg.example.gov.cn"]):
            self.assertEqual(check_ids(), [])

    @override_settings(SECRET_KEY_FROM_ENVIRONMENT=True, **TLS)
    def test_weak_secret_key_is_an_error(self):
        """Short, repetitive or placeholder keys are refused even from the environment."""
        weak = ["short", "a" * 60, "django-insecure-" + STRONG_KEY]
        for key in weak:
            with self.subTest(key=key), self.settings(SECRET_KEY=key, CIVICGRID=production()):
                self.assertEqual(check_ids(), ["civicgrid.E103"])

    @override_settings(
        SECRET_KEY_FROM_ENVIRONMENT=False,
        SECRET_KEY=STRONG_KEY,
        ALLOWED_HOSTS=["127.0.0.1", "localhost", "[::1]"],
        **PLAIN_HTTP,
    )
    def test_loopback_trial_is_allowed_only_when_asked_for(self):
        """The embedded default passes with CIVICGRID_ALLOW_INSECURE_LOOPBACK, not without."""
        with self.settings(CIVICGRID=production(loopback=True)):
            self.assertEqual(check_ids(), [])
        with self.settings(CIVICGRID=production(loopback=False)):
            self.assertEqual(check_ids(), ["civicgrid.E102", "civicgrid.E104"])

    @override_settings(SECRET_KEY_FROM_ENVIRONMENT=False, SECRET_KEY=STRONG_KEY, **PLAIN_HTTP)
    def test_loopback_trial_refuses_public_host_names(self):
        """The loopback exception with a public host name in ALLOWED_HOSTS is an error."""
        for hosts in (["cg.example.gov.cn"], ["localhost", "*"], ["127.0.0.1", "10.0.0.5"]):
            trial = production(loopback=True)
            with self.subTest(hosts=hosts), self.settings(ALLOWED_HOSTS=hosts, CIVICGRID=trial):
                self.assertEqual(check_ids(), ["civicgrid.E101"])

    def test_is_loopback(self):
        """Loopback names and addresses, IPv4 and IPv6, are told from everything else."""
        for host in ("127.0.0.1", "127.8.0.1", "localhost", "[::1]", "::1", "api.localhost"):
            with self.subTest(host=host):
                self.assertIs(is_loopback(host), True)
        for host in ("0.0.0.0", "*", ".example.cn", "10.0.0.1", "[::]", "localhost.example.cn"):
            with self.subTest(host=host):
                self.assertIs(is_loopback(host), False)

    @override_settings(
        SECRET_KEY_FROM_ENVIRONMENT=False,
        SECRET_KEY=STRONG_KEY,
        ALLOWED_HOSTS=["127.0.0.1"],
        **PLAIN_HTTP,
    )
    def test_ensure_safe_to_serve_raises_with_every_error(self):
        """The serving entry points stop with the errors, in Chinese first."""
        with self.settings(CIVICGRID=production()), self.assertRaises(SystemCheckError) as raised:
            ensure_safe_to_serve()
        text = str(raised.exception)
        self.assertIn("civicgrid.E102", text)
        self.assertIn("civicgrid.E104", text)
        self.assertIn("拒绝启动服务", text)
        with self.settings(CIVICGRID=production(loopback=True)):
            ensure_safe_to_serve()


class TileOriginTests(SimpleTestCase):
    """img-src allows exactly the hosts the configured map tiles come from."""

    def test_presets(self):
        self.assertEqual(
            tile_origins(resolve_tiles({"TILE_PRESET": "osm"})), ["https://tile.openstreetmap.org"]
        )
        tianditu = tile_origins(resolve_tiles({"TILE_PRESET": "tianditu", "TILE_KEY": "k"}))
        self.assertEqual(tianditu, [f"https://t{n}.tianditu.gov.cn" for n in range(8)])
        amap = tile_origins(resolve_tiles({"TILE_PRESET": "amap"}))
        self.assertEqual(amap, [f"https://webrd0{n}.is.autonavi.com" for n in range(1, 5)])
        self.assertEqual(set(PRESETS), {"osm", "tianditu", "amap"})

    def test_own_tile_server(self):
        own = {"TILE_URL": "https://{s}.tiles.example.cn/{z}/{x}/{y}.png"}
        self.assertEqual(tile_origins(resolve_tiles(own)), ["https://*.tiles.example.cn"])
        fixed = {"TILE_URL": "http://10.1.2.3:8080/{z}/{x}/{y}.png"}
        self.assertEqual(tile_origins(resolve_tiles(fixed)), ["http://10.1.2.3:8080"])
        same_site = {"TILE_URL": "/tiles/{z}/{x}/{y}.png"}
        self.assertEqual(tile_origins(resolve_tiles(same_site)), [])


@pytest.mark.django_db
def test_pages_carry_a_strict_content_security_policy(client):
    """Every page says: scripts from the site only, no framing, images from the tile host."""
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    policy = {
        part.split()[0]: part.split()[1:]
        for part in response["Content-Security-Policy"].split(";")
        if part.strip()
    }
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["connect-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert {"'self'", "data:", "blob:", "https://tile.openstreetmap.org"} <= set(policy["img-src"])
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)


def test_templates_have_no_inline_scripts_or_handlers():
    """Templates load scripts from files only and pass data by json_script or data-."""
    offenders = []
    for path in sorted(TEMPLATES_DIR.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for pattern in (INLINE_SCRIPT, INLINE_HANDLER):
            offenders += [f"{path.name}: {m.group(0)}" for m in pattern.finditer(text)]
    assert offenders == []


def _python(code: str, **env) -> subprocess.Popen:
    """Start Python with a clean CivicGrid environment plus ``env``."""
    base = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("CIVICGRID_") and key != "DJANGO_SETTINGS_MODULE"
    }
    base["PYTHONPATH"] = os.pathsep.join([str(SRC), base.get("PYTHONPATH", "")])
    return subprocess.Popen(
        [sys.executable, "-c", code],
        env=base | env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process: subprocess.Popen) -> tuple[int, str, str]:
    """Wait for a process started by ``_python``; return its status and output."""
    out, err = process.communicate(timeout=120)
    return process.returncode, out, err


def test_entry_points_default_to_production_and_fail_closed(tmp_path):
    """WSGI, ASGI and the CLI use prod settings; WSGI/ASGI refuse an unsafe start."""
    data = {"CIVICGRID_DATA_DIR": str(tmp_path)}
    loopback = data | {"CIVICGRID_ALLOW_INSECURE_LOOPBACK": "1"}
    show = "from django.conf import settings; print(settings.SETTINGS_MODULE)"
    runs = [
        _python("import civicgrid.wsgi", **data),
        _python("import civicgrid.asgi", **data),
        _python(f"import civicgrid.wsgi; {show}", **loopback),
        _python(f"import civicgrid.asgi; {show}", **loopback),
        _python(f"from civicgrid.cli import main; main(['civicgrid', 'shell', '-c', {show!r}])"),
    ]
    results = [finish(p) for p in runs]
    for code, _out, err in results[:2]:
        assert code != 0
        assert "civicgrid.E102" in err and "civicgrid.E104" in err, err
    for code, out, err in results[2:]:
        assert code == 0, err
        assert out.strip().endswith("civicgrid.settings.prod"), out


def test_environment_sets_session_hsts_and_tile_hosts(tmp_path):
    """CIVICGRID_SESSION_HOURS, the HSTS options and the tile preset reach the settings."""
    show = (
        "import json, django; from django.conf import settings; django.setup(); "
        "print(json.dumps([settings.SESSION_COOKIE_AGE, settings.SECURE_HSTS_SECONDS, "
        "settings.SECURE_HSTS_INCLUDE_SUBDOMAINS, settings.SECURE_HSTS_PRELOAD, "
        "settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src']]))"
    )
    common = {
        "CIVICGRID_DATA_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "civicgrid.settings.prod",
    }
    runs = [
        _python(show, **common),
        _python(
            show,
            **common,
            CIVICGRID_HTTPS="1",
            CIVICGRID_SESSION_HOURS="10.5",
            CIVICGRID_HSTS_PRELOAD="1",
            CIVICGRID_TILE_PRESET="amap",
            CIVICGRID_S3_BUCKET="photos",
            CIVICGRID_S3_ENDPOINT_URL="https://oss.example.cn",
        ),
        _python(show, **common, CIVICGRID_HTTPS="1", CIVICGRID_HSTS_SUBDOMAINS="0"),
        _python(show, **common, CIVICGRID_SESSION_HOURS="eight"),
    ]
    results = [finish(p) for p in runs]
    for code, _out, err in results[:3]:
        assert code == 0, err
    default, tls, no_subdomains = (
        json.loads(out.strip().splitlines()[-1]) for _c, out, _e in results[:3]
    )
    assert default[:4] == [8 * 3600, 0, True, False]
    assert "https://tile.openstreetmap.org" in default[4]
    assert tls[:4] == [int(10.5 * 3600), 31536000, True, True]
    assert "https://webrd01.is.autonavi.com" in tls[4]
    assert "https://oss.example.cn" in tls[4] and "https://photos.oss.example.cn" in tls[4]
    assert "https://tile.openstreetmap.org" not in tls[4]
    assert no_subdomains[1:3] == [31536000, False]
    code, _out, err = results[3]
    assert code != 0 and "CIVICGRID_SESSION_HOURS='eight' is not a number" in err


@pytest.mark.browser
def test_browser_tests_catch_csp_violations(chromium, csp_violations):  # noqa: F811
    """The browser-test guard sees an inline script the policy blocks (so it can fail tests)."""
    page = chromium.new_page()
    page.route(
        "https://csp.test/",
        lambda route: route.fulfill(
            status=200,
            content_type="text/html",
            headers={"Content-Security-Policy": "script-src 'self'"},
            body="<!DOCTYPE html><title>t</title><script>document.title = 'ran'</script>",
        ),
    )
    with page.expect_console_message(lambda m: "Content Security Policy" in m.text):
        page.goto("https://csp.test/")
    assert page.title() == "t"  # the inline script did not run
    assert any("Content Security Policy" in text for text in csp_violations), csp_violations
    csp_violations.clear()
    page.close()
