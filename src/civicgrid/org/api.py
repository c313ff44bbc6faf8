"""API handlers of the org app: tokens and departments."""

from django.utils.translation import gettext as _
from ninja import Router, Status

from civicgrid.api import throttling
from civicgrid.api.auth import acting_user
from civicgrid.api.errors import ApiError
from civicgrid.org.lockout import lockout_response
from civicgrid.org.models import Department
from civicgrid.org.schemas import DepartmentOut, RevokeIn, RevokeOut, TokenIn, TokenOut
from civicgrid.org.services import LoginFailed, issue_user_token, revoke_token

auth_router = Router()
departments_router = Router()


@auth_router.post(
    "/token",
    response={201: TokenOut},
    auth=None,
    throttle=throttling.TOKEN,
    url_name="auth_token",
)
def create_token(request, credentials: TokenIn):
    """Exchange a username and password for a bearer token."""
    try:
        key, secret = issue_user_token(request, credentials.username, credentials.password)
    except LoginFailed as exc:
        if getattr(request, "axes_locked_out", False):
            return lockout_response(request)
        raise ApiError(401, "invalid_credentials", str(exc)) from exc
    return Status(
        201,
        {
            "token": secret,
            "expires_at": key.expires_at,
            "username": key.user.username,
            "roles": sorted(key.user.roles),
        },
    )


@auth_router.post("/token/revoke", response=RevokeOut, url_name="auth_token_revoke")
def revoke(request, body: RevokeIn | None = None):
    """Revoke the token this request presents, or (with ``prefix``) one of your tokens.

    Application keys belong to no person and are revoked by an administrator
    (``civicgrid apikey revoke``), so they get 403 here.
    """
    user = acting_user(request)
    presented = getattr(request, "api_key", None)
    prefix = body.prefix if body is not None else None
    if prefix is None and presented is None:
        raise ApiError(
            422,
            "validation_error",
            _("Name the prefix of the token to revoke."),
            {"prefix": _("Required when no token is presented.")},
        )
    count = revoke_token(user, presented, prefix)
    if not count:
        raise ApiError(404, "not_found", _("You have no usable token with this prefix."))
    return {"revoked": count}


@departments_router.get("", response=list[DepartmentOut], url_name="departments_list")
def list_departments(request):
    """List active departments with the categories they handle."""
    return list(
        Department.objects.filter(active=True)
        .select_related("district")
        .prefetch_related("categories")
    )
