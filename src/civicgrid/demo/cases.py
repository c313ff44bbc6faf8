"""Sample cases for the demo city, at every step of the loop.

Made through the real services (intake, then ``act`` by the demo users), so
the demo's event log is what production would write. Loaded once: a city
that already has cases is left alone.
"""

from django.contrib.auth import get_user_model

from civicgrid.cases.models import Case
from civicgrid.cases.services import ReportInput, act, submit_report
from civicgrid.categories.models import Category
from civicgrid.org.models import Department

# (category code, description) pairs seen every day on the street.
PROBLEMS = [
    ("01037", "路灯夜间不亮"),
    ("01001", "供水井盖破损，存在安全隐患"),
    ("01002", "污水井盖移位"),
    ("03005", "垃圾箱破损"),
    ("06010", "路边暴露生活垃圾"),
    ("06012", "人行道有散落垃圾"),
    ("07001", "电线杆上张贴非法小广告"),
    ("09006", "商户占道经营"),
    ("09009", "机动车乱停放占用人行道"),
    ("09001", "无照经营游商"),
]
CHANNELS = ["inspector", "inspector", "inspector", "hotline", "citizen_app", "video_patrol"]
# How far along the loop each sample case goes.
STEPS = ["reported", "verified", "filed", "dispatched", "resolved", "checked", "closed"]


def build_sample_cases(rng, count: int = 80) -> int:
    """Open ``count`` cases and move them to mixed steps; skip if cases exist."""
    if Case.objects.exists():
        return 0
    users = {u.username: u for u in get_user_model().objects.all()}
    categories = {c.code: c for c in Category.objects.filter(kind__in=["asset", "incident"])}
    west, south, east, north = 119.5765, 39.918, 119.6235, 39.952
    made = 0
    for index in range(count):
        code, text = PROBLEMS[index % len(PROBLEMS)]
        channel = CHANNELS[index % len(CHANNELS)]
        lon, lat = float(rng.uniform(west, east)), float(rng.uniform(south, north))
        # Each inspector patrols one district (the west half is 西港区).
        inspector = users["inspector" if lon < 119.6 else "inspector2"]
        actor = inspector if channel == "inspector" else users["operator"]
        result = submit_report(
            ReportInput(
                channel=channel,
                lon=lon,
                lat=lat,
                description=text,
                category=code,
                idempotency_key=f"demo-{index:04d}",
            ),
            actor=actor,
        )
        made += 1
        _advance(result.case, STEPS[index % len(STEPS)], categories.get(code), users, inspector)
    return made


def _advance(case, step: str, category, users, inspector) -> None:
    """Take a case along the loop up to ``step`` as the demo users would."""
    target = STEPS.index(step)
    if target >= 1:
        act(case, "verify", users["operator"])
    if target >= 2 and category is not None:
        condition = category.filing_conditions.filter(active=True).order_by("position").first()
        if condition is None:
            return
        act(case, "file", users["shift_lead"], category=category.pk, filing_condition=condition.pk)
    if target >= 3:
        case.refresh_from_db()
        department = case.suggested_department or Department.objects.filter(active=True).first()
        act(case, "dispatch", users["dispatcher"], department=department.pk)
    if target >= 4:
        handler = next(
            (
                u
                for u in users.values()
                if u.department_id == department.pk and "handler" in u.roles
            ),
            None,
        )
        if handler is None:
            return
        act(case, "resolve", handler, photos=_no_photo_ids(handler), note="已处置完毕")
    if target >= 5:
        act(case, "check", inspector, passed=True, note="现场核查通过")
    if target >= 6:
        act(case, "close", users["shift_lead"])


def _no_photo_ids(handler) -> list[int]:
    """Return one sample photo stored as ``handler``'s (resolve requires after-photos)."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from civicgrid.cases.services.photos import check_uploads, store_photo

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (120, 160, 90)).save(buffer, "JPEG")
    upload = SimpleUploadedFile("after.jpg", buffer.getvalue(), content_type="image/jpeg")
    (checked,) = check_uploads([upload])
    return [store_photo(checked, "after", handler).pk]
