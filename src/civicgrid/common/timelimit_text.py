"""Say a ``TimeLimitError`` in the reader's language.

``core.timelimits`` is pure Python and speaks English to developers; every refusal that
reaches a person goes through :func:`describe` so it reads in Chinese first.
"""

from django.utils.translation import gettext

from civicgrid.core.timelimits import TimeLimit, TimeLimitError


def label(value) -> str | None:
    """Return the one wording of a limit (``TimeLimit.label_zh``), for pages and the API.

    ``value`` is a ``TimeLimit`` or its stored dict (``{"amount", "unit", …}``); None, or a
    dict that is no limit, gives None.
    """
    if value is None:
        return None
    try:
        limit = value if isinstance(value, TimeLimit) else TimeLimit.from_dict(value)
    except (TimeLimitError, KeyError, TypeError, ValueError):
        return None
    return limit.label_zh()


def describe(error: TimeLimitError) -> str:
    """Return the reason ``error`` gives, translated, with its values filled in."""
    params = getattr(error, "params", {}) or {}
    code = getattr(error, "code", "invalid")
    if code == "empty":
        return gettext("The time limit is empty.")
    if code == "format":
        return gettext(
            "“%(text)s” is not a time limit: write a number and a unit, such as 2天, 两天, "
            "4小时, 半天 or 2紧急工作时."
        ) % {"text": params.get("text", "")}
    if code == "unknown_unit":
        return gettext(
            "“%(unit)s” is not a unit of time limits; use 天/工作日, 小时/工作时, 分钟, "
            "自然日 or their 紧急 forms."
        ) % {"unit": params.get("unit", "")}
    if code == "not_positive":
        return gettext("A time limit must be longer than zero.")
    if code == "too_long":
        return gettext("A time limit can be at most %(most)s %(unit)s.") % {
            "most": params.get("most", ""),
            "unit": params.get("unit", ""),
        }
    return gettext("The time limit cannot be read.")
