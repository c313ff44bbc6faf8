"""Queue notices in the outbox (inside the caller's transaction)."""

from civicgrid.notify.models import Notification

# Which actions announce something, to whom, in what words (zh-hans, shown to staff).
NOTICES = {
    "dispatch": ("department", "新派遣案卷 {code}"),
    "rule_ownership": ("department", "确权后派遣案卷 {code}"),
    "urge": ("department", "案卷 {code} 被督办"),
    "check": ("department", "案卷 {code} 核查结果：{outcome}"),
    "grant_extension": ("department", "案卷 {code} 延期已批准"),
    "deny_extension": ("department", "案卷 {code} 延期未批准"),
    "mark_overdue": ("department", "案卷 {code} 已超期"),
}


def queue_for_event(case, event) -> list[Notification]:
    """Write the notices an event announces; return them."""
    spec = NOTICES.get(event.action)
    if spec is None:
        return []
    target, template = spec
    department_id = case.department_id or event.department_id
    if target == "department" and department_id is None:
        return []
    outcome = "通过" if event.data.get("passed") else "未通过（返工）"
    notice = Notification.objects.create(
        kind=event.action,
        case=case,
        event=event,
        department_id=department_id,
        message=template.format(code=case.code, outcome=outcome)[:300],
    )
    return [notice]
