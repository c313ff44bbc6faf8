"""Who sees a caller's contact in clear: the one rule for pages, exports and the API.

Staff who need to reach the caller (operators and shift leads at intake,
dispatchers for the call-back, administrators) see name and phone as given;
everyone else (handlers, inspectors, leaders, experts…) sees them masked:
张* and 138****1234. Deny by default: a role not listed here sees the mask.
"""

from dataclasses import dataclass

from civicgrid.org.choices import RoleName

#: Roles that see a caller's name and phone in clear.
CONTACT_ROLES = frozenset(
    {RoleName.OPERATOR, RoleName.SHIFT_LEAD, RoleName.DISPATCHER, RoleName.ADMIN}
)


@dataclass(frozen=True)
class Contact:
    """A caller's name and phone as one viewer may see them."""

    name: str
    phone: str
    masked: bool


def sees_contact(user) -> bool:
    """Return whether ``user`` may see callers' contacts in clear."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return bool(set(user.roles) & CONTACT_ROLES)


def mask_name(name: str) -> str:
    """Return the first character of ``name`` and a star for the rest (张三 → 张*)."""
    name = (name or "").strip()
    if not name:
        return ""
    return name[0] + "*" * max(len(name) - 1, 1)


def mask_phone(phone: str) -> str:
    """Return ``phone`` with all but the first three and last four digits starred."""
    phone = (phone or "").strip()
    if not phone:
        return ""
    if len(phone) <= 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def contact_for(user, report) -> Contact:
    """Return the contact of ``report``'s caller as ``user`` may see it."""
    name = "" if report.anonymous else report.reporter_name
    phone = "" if report.anonymous else report.reporter_phone
    if sees_contact(user):
        return Contact(name, phone, masked=False)
    return Contact(mask_name(name), mask_phone(phone), masked=bool(name or phone))
