"""API handlers of the org app: tokens and departments."""

from ninja import Router, Status

from civicgrid.api.errors import ApiError
from civicgrid.org.models import Department
from civicgrid.org.schemas import DepartmentOut, TokenIn, TokenOut
from civicgrid.org.services import LoginFailed, issue_user_token

auth_router = Router()
departments_router = Router()


@auth_router.post("/token", response={201: TokenOut}, auth=None, url_name="auth_token")
def create_token(request, credentials: TokenIn):
    """Exchange a username and password for a bearer token."""
    try:
        key, secret = issue_user_token(request, credentials.username, credentials.password)
    except LoginFailed as exc:
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


@departments_router.get("", response=list[DepartmentOut], url_name="departments_list")
def list_departments(request):
    """List active departments with the categories they handle."""
    return list(
        Department.objects.filter(active=True)
        .select_related("district")
        .prefetch_related("categories")
    )
