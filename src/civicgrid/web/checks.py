"""Production checks: serving fails closed until the deployment is safe.

Under ``civicgrid.settings.prod`` the platform refuses to serve without a
secret key from the environment and without TLS (secure cookies, HTTPS
redirect, HSTS). The one exception is a loopback-only trial — ``make run`` on
127.0.0.1 — and it must be asked for explicitly with
``CIVICGRID_ALLOW_INSECURE_LOOPBACK=1``, because loopback host names alone
prove nothing: a reverse proxy that forwards ``Host: 127.0.0.1`` makes a public
site look local.

The checks are deployment checks (``check --deploy``), so migrating, importing
or loading the demo works on any machine; WSGI, ASGI and ``civicgrid serve``
run them before serving (:func:`ensure_safe_to_serve`).
"""

import ipaddress

from django.conf import settings
from django.core import checks
from django.core.management.base import SystemCheckError
from django.utils.translation import gettext as _

TAG = "civicgrid_production"
LOOPBACK_NAMES = {"localhost", "localhost.", "ip6-localhost"}
LOOPBACK_HINT = "CIVICGRID_ALLOW_INSECURE_LOOPBACK=1"


def is_loopback(host: str) -> bool:
    """Return whether ``host`` (a host name or address, maybe ``[v6]``) is loopback only."""
    name = host.strip().lower()
    if name.startswith("[") and name.endswith("]"):
        name = name[1:-1]
    if name in LOOPBACK_NAMES or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _active() -> bool:
    return bool(settings.CIVICGRID.get("PRODUCTION"))


def _insecure_loopback() -> bool:
    return bool(settings.CIVICGRID.get("ALLOW_INSECURE_LOOPBACK"))


@checks.register(TAG, deploy=True)
def check_loopback_exception(app_configs, **kwargs):
    """Refuse the loopback exception when the site answers to any other host name."""
    if not (_active() and _insecure_loopback()):
        return []
    public = [host for host in settings.ALLOWED_HOSTS if not is_loopback(host)]
    if not public:
        return []
    return [
        checks.Error(
            _("%(flag)s is set, but ALLOWED_HOSTS names hosts that are not loopback: %(hosts)s.")
            % {"flag": LOOPBACK_HINT, "hosts": ", ".join(public)},
            hint=_(
                "The insecure exception is only for a trial on 127.0.0.1. Unset it and "
                "configure TLS and a secret key, or list only loopback hosts."
            ),
            id="civicgrid.E101",
        )
    ]


@checks.register(TAG, deploy=True)
def check_secret_key(app_configs, **kwargs):
    """Require a strong secret key from the environment in production."""
    if not _active():
        return []
    errors = []
    if not settings.SECRET_KEY_FROM_ENVIRONMENT and not _insecure_loopback():
        errors.append(
            checks.Error(
                _("Production needs CIVICGRID_SECRET_KEY; the generated key file is for trials."),
                hint=_(
                    "Set CIVICGRID_SECRET_KEY to at least 50 random characters, the same for "
                    "every server of the site (or %(flag)s for a loopback-only trial)."
                )
                % {"flag": LOOPBACK_HINT},
                id="civicgrid.E102",
            )
        )
    key = settings.SECRET_KEY or ""
    if len(key) < 50 or len(set(key)) < 5 or key.startswith("django-insecure-"):
        errors.append(
            checks.Error(
                _(
                    "The secret key is too weak: under 50 characters, under 5 distinct ones, or a "
                    "placeholder."
                ),
                hint=_(
                    "Generate one, e.g. python -c 'import secrets; print(secrets.token_urlsafe(50))'."
                ),
                id="civicgrid.E103",
            )
        )
    return errors


@checks.register(TAG, deploy=True)
def check_tls(app_configs, **kwargs):
    """Require TLS (secure cookies, HTTPS redirect, HSTS) in production."""
    if not _active() or _insecure_loopback():
        return []
    missing = [
        name
        for name, present in (
            ("SESSION_COOKIE_SECURE", settings.SESSION_COOKIE_SECURE),
            ("CSRF_COOKIE_SECURE", settings.CSRF_COOKIE_SECURE),
            ("SECURE_SSL_REDIRECT", settings.SECURE_SSL_REDIRECT),
            ("SECURE_HSTS_SECONDS", settings.SECURE_HSTS_SECONDS > 0),
        )
        if not present
    ]
    if not missing:
        return []
    return [
        checks.Error(
            _("Production serves without TLS: %(settings)s off.")
            % {"settings": ", ".join(missing)},
            hint=_(
                "Serve behind HTTPS and set CIVICGRID_HTTPS=1 (or %(flag)s for a "
                "loopback-only trial)."
            )
            % {"flag": LOOPBACK_HINT},
            id="civicgrid.E104",
        )
    ]


def ensure_safe_to_serve() -> None:
    """Raise ``SystemCheckError`` when the production checks find an error.

    Called by the WSGI and ASGI modules (so gunicorn or uvicorn started by
    hand refuse too) and by ``civicgrid serve`` before it binds.
    """
    problems = [
        message
        for message in checks.run_checks(include_deployment_checks=True, tags=[TAG])
        if message.is_serious()
    ]
    if problems:
        lines = [_("CivicGrid refuses to serve: the production checks failed.")]
        lines += [str(problem) for problem in problems]
        raise SystemCheckError("\n".join(lines))
