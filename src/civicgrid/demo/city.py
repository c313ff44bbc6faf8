"""Build the demo city: a synthetic 4.2 km × 4.0 km town at 119.600 E, 39.935 N.

Everything goes through the same import services a real city uses, so the
demo exercises the production path. The layout is deterministic (fixed
random seed), which keeps ``civicgrid demo`` idempotent: a second run finds
every code already present and updates in place.
"""

import io
import json
import math
from dataclasses import dataclass

import numpy as np
import shapely
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from civicgrid.assets.services import import_assets
from civicgrid.categories.models import Category
from civicgrid.categories.services import load_reference_categories
from civicgrid.core.geometry import to_geojson
from civicgrid.org.choices import RoleName
from civicgrid.org.models import Department
from civicgrid.places.models import District, GridCell, Street
from civicgrid.places.services import import_places

CENTER = (119.600, 39.935)
COLS, ROWS = 42, 40
CELL_M = 100.0
SEED = 2026

DISTRICTS = [("130391", "西港区"), ("130392", "东湖区")]
STREET_NAMES = [
    ["白塔岭街道", "西港路街道", "河东街道"],
    ["文化路街道", "建设大街街道", "海滨路街道"],
]
COMMUNITY_NAMES = [
    "红旗里社区", "迎宾里社区", "东山社区", "西园社区", "光明里社区", "人民里社区",
    "和平里社区", "友谊里社区", "幸福里社区", "民族路社区", "新村社区", "北环社区",
    "海阳社区", "滨河社区", "秀水社区", "金港社区", "燕山社区", "文苑社区",
    "河滨社区", "景园社区", "海韵社区", "槐荫社区", "宏达社区", "南湖社区",
]  # fmt: skip
STREET_ROWS = [(0, 13), (13, 27), (27, 40)]
COMMUNITY_COLS = [(0, 5), (5, 10), (10, 16), (16, 21)]

# (code, name, keywords of the categories it handles)
CITY_DEPARTMENTS = [
    ("SZGY", "示范市市政公用服务中心", ["路灯", "地灯", "景观灯", "综合杆", "过街天桥", "地下通道",
     "立交桥", "跨河桥", "道路破损", "路缘石", "盲道", "台阶", "无障碍", "边坡", "道路积雪"]),
    ("GSZX", "示范市供水总公司", ["供水井盖", "供水器", "=水井", "水塔", "水鹤", "中水井盖"]),
    ("PSZX", "示范市排水服务中心", ["污水井盖", "雨水井盖", "雨水箅子", "化粪池井盖", "排水泵站",
     "雨污水排放口", "乱倒乱排污水"]),
    ("YLLH", "示范市园林绿化服务中心", ["古树名木", "行道树", "独立树", "护树设施", "花架花钵",
     "绿地", "园林井盖", "树池", "林地", "喷泉", "雕塑", "街头座椅", "病虫害", "非法伐树",
     "绿化弃料", "非法占绿毁绿", "公园秩序"]),
    ("SRHW", "示范市市容环卫中心", ["公共厕所", "公厕指示牌", "化粪池", "垃圾间", "垃圾箱",
     "环卫工具间", "宠物拾便", "烟头收集", "暴露垃圾", "积存垃圾渣土", "道路不洁", "道路遗撒",
     "垃圾未分类", "满溢", "动物尸体", "焚烧垃圾"]),
    ("ZHZF", "示范市城市管理综合行政执法支队", ["非法小广告", "街头散发广告", "违规户外广告",
     "违规牌匾标识", "违规标语", "无照经营游商", "店外经营", "占道经营", "流浪乞讨", "废品收购",
     "露天烧烤", "施工扰民", "无证掘路", "工地扬尘", "无证建设", "私搭乱建", "占道洗车",
     "占道促销", "无证餐饮", "早（夜）市", "非法出版物", "施工占道", "施工废弃料"]),
    ("GAJJ", "示范市公安局交通警察支队", ["交通信号灯", "交通信号设施", "交通岗亭",
     "机动车乱停放", "信号灯电源井盖", "监控电子眼", "限高架", "减速带"]),
    ("JTYS", "示范市交通运输局", ["公交站设施", "公交井盖", "公交立杆", "出租车停靠站",
     "交通标志牌", "交通护栏", "防撞桶", "路名牌", "停车场", "非机动车停放点", "共享单车",
     "存车支架", "隔离体", "安全岛", "便道桩", "人行横道桩", "交通反视镜", "非机动车乱停放"]),
    ("GDGS", "国网示范市供电公司", ["电力井盖", "电力设施", "电力立杆", "电缆井盖", "变压器",
     "高压线铁塔", "充电桩", "架空线缆"]),
    ("TXGX", "示范市通信管线管理中心", ["通信井盖", "电视井盖", "网络井盖", "通信交接箱",
     "通信立杆", "通信基站"]),
    ("XFZD", "示范市消防救援支队", ["消防设施", "占用消防通道"]),
    ("RQJT", "示范市燃气热力集团", ["燃气井盖", "燃气调压站", "输油（气）", "露天燃气管道",
     "热力井盖", "露天供热管道"]),
]  # fmt: skip
STREET_OFFICE_KEYWORDS = [
    "乱堆杂物", "沿街晾挂", "空调室外机低挂", "临街阳台", "店面无证装修", "建筑物外立面",
    "非装饰性吊挂", "私设地锁", "废弃车辆", "废弃家具", "擅自饲养", "擅自在临街",
]  # fmt: skip

# (category code, mean number per cell, name)
ASSET_MIX = [
    ("01001", 0.5, "供水井盖"), ("01002", 0.5, "污水井盖"), ("01003", 0.4, "雨水井盖"),
    ("01004", 0.3, "雨水箅子"), ("01005", 0.25, "电力井盖"), ("01007", 0.25, "通信井盖"),
    ("01011", 0.15, "燃气井盖"), ("01013", 0.15, "消火栓"), ("01037", 0.6, "路灯"),
    ("03005", 0.3, "垃圾箱"), ("04002", 0.6, "行道树"), ("02010", 0.15, "交通标志牌"),
    ("02004", 0.05, "公交站亭"), ("02012", 0.05, "路名牌"), ("02014", 0.04, "交通信号灯"),
    ("03001", 0.02, "公共厕所"),
]  # fmt: skip


@dataclass(frozen=True)
class DemoUser:
    """A demo login: username, role, display name, district index, department code."""

    username: str
    role: str
    display_name: str
    district: int | None = None
    department: str | None = None


DEMO_USERS = [
    DemoUser("inspector", RoleName.INSPECTOR, "监督员 张伟", 0),
    DemoUser("inspector2", RoleName.INSPECTOR, "监督员 李娜", 1),
    DemoUser("operator", RoleName.OPERATOR, "受理员 王芳"),
    DemoUser("shift_lead", RoleName.SHIFT_LEAD, "值班长 刘强"),
    DemoUser("dispatcher", RoleName.DISPATCHER, "派遣员 陈静"),
    DemoUser("handler", RoleName.HANDLER, "市政中心 杨磊", department="SZGY"),
    DemoUser("handler_hw", RoleName.HANDLER, "环卫中心 赵敏", department="SRHW"),
    DemoUser("handler_zf", RoleName.HANDLER, "执法支队 黄勇", department="ZHZF"),
    DemoUser("handler_street", RoleName.HANDLER, "白塔岭街道 周洁", 0, "130391001-JB"),
    DemoUser("district_dispatcher", RoleName.DISPATCHER, "西港区派遣员 吴昊", 0),
    DemoUser("coordinator", RoleName.COORDINATOR, "协调员 徐晨"),
    DemoUser("expert", RoleName.EXPERT, "专家 孙建国"),
    DemoUser("leader", RoleName.LEADER, "市领导 马明"),
    DemoUser("admin", RoleName.ADMIN, "系统管理员"),
]


def _department_handlers() -> list[DemoUser]:
    """Return one handler login per demo department: ``handler-<code in lower case>``.

    Routing may suggest any department, and a department nobody can log in
    for would leave its cases unseen; so every one of the 20 has a handler.
    """
    users = [
        DemoUser(f"handler-{code.lower()}", RoleName.HANDLER, f"{name[3:9]} 处置员", None, code)
        for code, name, _keywords in CITY_DEPARTMENTS
    ]
    for index, ((d_code, d_name), streets) in enumerate(zip(DISTRICTS, STREET_NAMES, strict=True)):
        code = f"{d_code}-CG"
        users.append(
            DemoUser(
                f"handler-{code.lower()}", RoleName.HANDLER, f"{d_name}城管局 处置员", index, code
            )
        )
        for s, street_name in enumerate(streets):
            code = f"{d_code}{s + 1:03d}-JB"
            users.append(
                DemoUser(
                    f"handler-{code.lower()}",
                    RoleName.HANDLER,
                    f"{street_name} 处置员",
                    index,
                    code,
                )
            )
    return users


DEMO_USERS += _department_handlers()


def _vertices(rng) -> tuple[np.ndarray, np.ndarray]:
    """Return the jittered vertex lattice; border vertices stay straight."""
    lon0, lat0 = CENTER
    dx = CELL_M / (111_320.0 * math.cos(math.radians(lat0)))
    dy = CELL_M / 110_950.0
    cols = np.arange(COLS + 1)
    rows = np.arange(ROWS + 1)
    xs = lon0 + (cols - COLS / 2) * dx
    ys = lat0 + (ROWS / 2 - rows) * dy
    lon, lat = np.meshgrid(xs, ys)
    jitter = rng.uniform(-0.15, 0.15, size=(2, ROWS - 1, COLS - 1))
    lon[1:-1, 1:-1] += jitter[0] * dx
    lat[1:-1, 1:-1] += jitter[1] * dy
    return lon, lat


def _cell_polygons(lon, lat) -> dict[tuple[int, int], shapely.Polygon]:
    cells = {}
    for r in range(ROWS):
        for c in range(COLS):
            ring = [
                (lon[r, c], lat[r, c]),
                (lon[r, c + 1], lat[r, c + 1]),
                (lon[r + 1, c + 1], lat[r + 1, c + 1]),
                (lon[r + 1, c], lat[r + 1, c]),
            ]
            cells[(r, c)] = shapely.Polygon(ring)
    return cells


def _collection(features) -> io.StringIO:
    return io.StringIO(json.dumps({"type": "FeatureCollection", "features": features}))


def _feature(code, name, geom, **props) -> dict:
    return {
        "type": "Feature",
        "properties": {"code": code, "name": name, **props},
        "geometry": to_geojson(geom),
    }


def build_places(rng) -> dict:
    """Import districts, streets, communities and cells; return the layout."""
    lon, lat = _vertices(rng)
    cells = _cell_polygons(lon, lat)
    half = COLS // 2
    layout = {"districts": [], "streets": [], "communities": [], "cells": []}
    community_index = 0
    for d, (d_code, d_name) in enumerate(DISTRICTS):
        d_cells = [cells[(r, c)] for r in range(ROWS) for c in range(d * half, (d + 1) * half)]
        layout["districts"].append(_feature(d_code, d_name, shapely.union_all(d_cells)))
        for s, (r0, r1) in enumerate(STREET_ROWS):
            s_code = f"{d_code}{s + 1:03d}"
            s_cells = [
                cells[(r, c)] for r in range(r0, r1) for c in range(d * half, (d + 1) * half)
            ]
            street_name = STREET_NAMES[d][s]
            layout["streets"].append(_feature(s_code, street_name, shapely.union_all(s_cells)))
            for m, (c0, c1) in enumerate(COMMUNITY_COLS):
                m_code = f"{s_code}{m + 1:03d}"
                m_name = COMMUNITY_NAMES[community_index]
                community_index += 1
                keys = [(r, d * half + c) for r in range(r0, r1) for c in range(c0, c1)]
                layout["communities"].append(
                    _feature(m_code, m_name, shapely.union_all([cells[k] for k in keys]))
                )
                # GB/T 30428.1 order inside a community: west to east, north to south.
                for seq, key in enumerate(sorted(keys), start=1):
                    layout["cells"].append(
                        _feature(f"{m_code}{seq:03d}", f"{m_name}{seq:03d}号网格", cells[key])
                    )
    for level, key in (
        ("district", "districts"),
        ("street", "streets"),
        ("community", "communities"),
        ("grid", "cells"),
    ):
        import_places(_collection(layout[key]), level, show_progress=False)
    return layout


def _matches(keyword: str, name: str) -> bool:
    """Return whether a keyword names a category ("=水井" only 水井 itself, not 污水井盖)."""
    if keyword.startswith("="):
        return name.removesuffix("异常") == keyword[1:]
    return keyword in name


def _matching_categories(categories, keywords) -> list[Category]:
    return [c for c in categories if any(_matches(k, c.name) for k in keywords)]


def build_departments() -> dict[str, Department]:
    """Create the city, district and street departments with their categories."""
    departments = {}
    categories = list(Category.objects.all())
    for code, name, keywords in CITY_DEPARTMENTS:
        dept, _ = Department.objects.update_or_create(
            code=code, defaults={"name": name, "district": None, "short_name": name[3:9]}
        )
        dept.categories.set(_matching_categories(categories, keywords))
        departments[code] = dept
    street_categories = _matching_categories(categories, STREET_OFFICE_KEYWORDS)
    for district in District.objects.order_by("code"):
        dept, _ = Department.objects.update_or_create(
            code=f"{district.code}-CG",
            defaults={
                "name": f"{district.name}城市管理局",
                "district": district,
                "is_district_default": True,
                "short_name": f"{district.name}城管局",
            },
        )
        departments[dept.code] = dept
        for street in district.streets.order_by("code"):
            office, _ = Department.objects.update_or_create(
                code=f"{street.code}-JB",
                defaults={
                    "name": f"{district.name}{street.name}办事处",
                    "district": district,
                    "short_name": street.name,
                },
            )
            office.categories.set(street_categories)
            departments[office.code] = office
    return departments


def build_zones() -> None:
    """Responsibility zones for district and street bodies; patrol zones per street."""
    features = []
    for district in District.objects.order_by("code"):
        cells = list(district.cells.values_list("code", flat=True))
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "code": f"ZR-{district.code}",
                    "name": f"{district.name}责任区",
                    "cells": cells,
                    "department": f"{district.code}-CG",
                },
                "geometry": None,
            }
        )
    patrols = []
    for index, street in enumerate(Street.objects.order_by("code")):
        cells = list(street.cells.values_list("code", flat=True))
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "code": f"ZR-{street.code}",
                    "name": f"{street.name}责任区",
                    "cells": cells,
                    "department": f"{street.code}-JB",
                },
                "geometry": None,
            }
        )
        patrols.append(
            {
                "type": "Feature",
                "properties": {
                    "code": f"XC-{street.code}",
                    "name": f"{street.name}巡查区",
                    "cells": cells,
                    "inspector": "inspector" if index < 3 else "inspector2",
                },
                "geometry": None,
            }
        )
    import_places(_collection(features), "responsibility", show_progress=False)
    import_places(_collection(patrols), "patrol", show_progress=False)


def build_assets(rng, departments) -> int:
    """Scatter a census of assets over the cells and import it (CSV path)."""
    import csv

    owners = {}
    mix_codes = [a[0] for a in ASSET_MIX]
    for category in Category.objects.filter(kind="asset", code__in=mix_codes):
        city_level = category.departments.filter(district__isnull=True).order_by("code").first()
        if city_level:
            owners[category.code] = city_level.code
    cells = list(GridCell.objects.order_by("code").values_list("geometry", "district__code"))
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["code", "category", "name", "lon", "lat", "state", "owner", "maintainer"])
    sequence: dict[tuple[str, str], int] = {}
    states = np.array(["完好", "破损", "丢失"])
    for geometry, district_code in cells:
        poly = shapely.geometry.shape(geometry)
        min_lon, min_lat, max_lon, max_lat = poly.bounds
        for category_code, mean, name in ASSET_MIX:
            count = rng.poisson(mean)
            placed = 0
            while placed < count:
                x = rng.uniform(min_lon, max_lon)
                y = rng.uniform(min_lat, max_lat)
                if not shapely.contains_xy(poly, x, y):
                    continue
                placed += 1
                key = (district_code, category_code)
                sequence[key] = sequence.get(key, 0) + 1
                state = states[rng.choice(3, p=[0.94, 0.05, 0.01])]
                owner = owners.get(category_code, "")
                writer.writerow(
                    [
                        f"{district_code}{category_code}{sequence[key]:06d}",
                        category_code,
                        name,
                        f"{x:.7f}",
                        f"{y:.7f}",
                        state,
                        owner,
                        owner,
                    ]
                )
    buffer.seek(0)
    buffer.name = "demo-assets.csv"
    return import_assets(buffer, show_progress=False).total


# Demo users are marked by membership of this group (no schema change): the
# demo then knows which accounts it made and which belong to a real city.
DEMO_GROUP = "demo-users"


def is_demo_user(username: str, display_name: str, groups: set[str]) -> bool:
    """Return whether an account was made by the demo.

    Accounts from before the marker group are recognised by their demo
    username together with the demo display name.
    """
    spec = next((s for s in DEMO_USERS if s.username == username), None)
    if spec is None:
        return False
    return DEMO_GROUP in groups or display_name == spec.display_name


def foreign_users() -> list[str]:
    """Return the usernames of accounts the demo did not make (sorted).

    Works before the first migration too (no user table: no users).
    """
    from django.db import connection

    User = get_user_model()
    if User._meta.db_table not in connection.introspection.table_names():
        return []
    groups: dict[int, set[str]] = {}
    for user_id, name in User.groups.through.objects.values_list("user_id", "group__name"):
        groups.setdefault(user_id, set()).add(name)
    return sorted(
        username
        for pk, username, display_name in User.objects.values_list(
            "pk", "username", "display_name"
        )
        if not is_demo_user(username, display_name, groups.get(pk, set()))
    )


def build_users(password: str, departments) -> list[str]:
    """Create the demo logins that are missing, with role group, scope and marker.

    An account that already exists is left exactly as it is: its password in
    particular is never reset (it may be a real person's, or changed since).
    Return the usernames created.
    """
    User = get_user_model()
    districts = list(District.objects.order_by("code"))
    marker, _ = Group.objects.get_or_create(name=DEMO_GROUP)
    existing = set(
        User.objects.filter(username__in=[s.username for s in DEMO_USERS]).values_list(
            "username", flat=True
        )
    )
    created = []
    for spec in DEMO_USERS:
        if spec.username in existing:
            continue
        user = User(
            username=spec.username,
            display_name=spec.display_name,
            district=districts[spec.district] if spec.district is not None else None,
            department=departments.get(spec.department) if spec.department else None,
            is_staff=spec.role == RoleName.ADMIN,
            is_superuser=spec.role == RoleName.ADMIN,
        )
        user.set_password(password)
        user.save()
        user.groups.set([Group.objects.get(name=str(spec.role)), marker])
        created.append(spec.username)
    return created


def build_demo_city(password: str, with_cases: bool = True) -> dict:
    """Load everything the demo needs; safe to run again."""
    rng = np.random.default_rng(SEED)
    with transaction.atomic():
        category_report = load_reference_categories()
        build_places(rng)
        departments = build_departments()
        new_users = build_users(password, departments)
        build_zones()
        assets = build_assets(rng, departments)
    from civicgrid.demo.cases import build_sample_cases

    sample_cases = build_sample_cases(rng) if with_cases else 0
    return {
        "sample_cases": sample_cases,
        "categories": category_report,
        "cells": GridCell.objects.count(),
        "departments": len(departments),
        "assets": assets,
        "users": DEMO_USERS,
        "new_users": new_users,
    }
