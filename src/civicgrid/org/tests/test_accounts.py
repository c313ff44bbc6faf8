"""Accounts: the account services, my profile, my password, the user pages."""

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from civicgrid.org import services
from civicgrid.org.choices import RoleName
from civicgrid.org.models import ApiKey
from civicgrid.testing.factories import (
    DEFAULT_PASSWORD,
    DepartmentFactory,
    UserFactory,
    build_city,
    issue_api_key,
)

pytestmark = pytest.mark.django_db

User = get_user_model()
STRONG = "Harbour-lamp-4711"


@pytest.fixture
def admin_user(db):
    return UserFactory(username="admin1", roles=[RoleName.ADMIN])


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


# -- Services ------------------------------------------------------------------


def test_create_user_generates_a_strong_password_when_none_is_given():
    """Without a password, one is generated, returned once, and works."""
    city = build_city()
    department = DepartmentFactory()
    user, generated = services.create_user(
        username="zhang",
        roles=[RoleName.HANDLER],
        district=city.districts[0],
        department=department,
        display_name="张三",
    )
    assert generated and len(generated) == services.GENERATED_PASSWORD_LENGTH
    assert user.check_password(generated)
    assert user.roles == {RoleName.HANDLER}
    assert (user.district, user.department, user.is_active) == (
        city.districts[0],
        department,
        True,
    )


def test_create_user_checks_a_given_password_and_the_username():
    """A weak password and a taken username (any case) are refused; nothing is saved."""
    with pytest.raises(services.AccountRefused) as weak:
        services.create_user(username="li", roles=[], password="12345678")
    assert weak.value.code == "weak_password"
    assert not User.objects.filter(username="li").exists()
    user, generated = services.create_user(username="li", roles=[], password=STRONG)
    assert generated is None and user.check_password(STRONG)
    with pytest.raises(services.AccountRefused) as taken:
        services.create_user(username="LI", roles=[])
    assert taken.value.code == "username_taken"


def test_create_user_refuses_an_unknown_role():
    """Only role names become groups; anything else is refused."""
    with pytest.raises(services.AccountRefused) as refused:
        services.create_user(username="wang", roles=["superpowers"])
    assert refused.value.code == "unknown_role"
    assert not User.objects.filter(username="wang").exists()


def test_update_user_replaces_roles_but_keeps_other_groups():
    """Role groups are replaced; a group that is not a role stays."""
    from django.contrib.auth.models import Group

    user = UserFactory(roles=[RoleName.INSPECTOR])
    other = Group.objects.create(name="newsletter")
    user.groups.add(other)
    services.update_user(
        user,
        roles=[RoleName.DISPATCHER, RoleName.OPERATOR],
        display_name="新名",
        phone="123",
        district=None,
        department=None,
    )
    user.refresh_from_db()
    assert set(user.groups.values_list("name", flat=True)) == {
        "dispatcher",
        "operator",
        "newsletter",
    }
    assert user.display_name == "新名"


def test_deactivating_revokes_keys_and_refuses_oneself(admin_user):
    """Deactivation revokes the user's keys; nobody deactivates their own account."""
    user = UserFactory()
    issue_api_key(user=user)
    assert services.set_user_active(user, False, actor=admin_user) == 1
    user.refresh_from_db()
    assert user.is_active is False
    assert not ApiKey.objects.usable().filter(user=user).exists()
    assert services.set_user_active(user, True, actor=admin_user) == 0
    with pytest.raises(services.AccountRefused) as refused:
        services.set_user_active(admin_user, False, actor=admin_user)
    assert refused.value.code == "self"


def test_an_admin_keeps_their_own_admin_role(admin_user):
    """Taking away one's own admin role is refused; other changes to oneself are fine."""
    with pytest.raises(services.AccountRefused) as refused:
        services.update_user(
            admin_user,
            actor=admin_user,
            roles=[RoleName.LEADER],
            display_name="",
            phone="",
            district=None,
            department=None,
        )
    assert refused.value.code == "own_admin_role"
    services.update_user(
        admin_user,
        actor=admin_user,
        roles=[RoleName.ADMIN, RoleName.LEADER],
        display_name="管理员",
        phone="",
        district=None,
        department=None,
    )
    admin_user.refresh_from_db()
    assert admin_user.display_name == "管理员"


def test_only_a_superuser_changes_a_superuser(admin_user):
    """An administrator cannot deactivate or edit a superuser."""
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    with pytest.raises(services.AccountRefused):
        services.set_user_active(root, False, actor=admin_user)
    with pytest.raises(services.AccountRefused):
        services.update_user(
            root,
            actor=admin_user,
            roles=[],
            display_name="",
            phone="",
            district=None,
            department=None,
        )
    root.refresh_from_db()
    assert root.is_active is True


# -- My profile and password ------------------------------------------------------


@pytest.mark.parametrize("role", RoleName.values)
def test_every_role_sees_its_profile(client, role):
    """Each role's profile page shows name, role, scope and last login."""
    city = build_city()
    user = UserFactory(
        username=f"p-{role}",
        roles=[role],
        district=city.districts[0],
        department=DepartmentFactory(name="市政管理处"),
        last_login=timezone.now(),
    )
    client.force_login(user)
    page = client.get("/accounts/profile/").content.decode()
    assert user.username in page
    assert str(dict(RoleName.choices)[role]) in page
    assert city.districts[0].name in page
    assert "市政管理处" in page
    assert "最近登录" in page
    assert ("用户管理" in page) is (role == RoleName.ADMIN)


def test_profile_is_for_logged_in_users_only(client):
    """Anonymous visitors are sent to the login page."""
    response = client.get("/accounts/profile/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_profile_edits_name_and_phone_only(client):
    """The profile form changes display name and phone; roles cannot be smuggled in."""
    user = UserFactory(roles=[RoleName.INSPECTOR])
    client.force_login(user)
    response = client.post(
        "/accounts/profile/",
        {"display_name": "王五", "phone": "13800000000", "roles": "admin", "is_staff": "1"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.display_name, user.phone, user.is_staff) == ("王五", "13800000000", False)
    assert user.roles == {RoleName.INSPECTOR}
    long = client.post("/accounts/profile/", {"display_name": "x" * 51, "phone": ""})
    assert long.status_code == 200
    user.refresh_from_db()
    assert user.display_name == "王五"


def test_base_page_links_to_the_profile(client):
    """The name in the top bar leads to the profile page."""
    client.force_login(UserFactory(roles=[RoleName.OPERATOR]))
    assert 'href="/accounts/profile/"' in client.get("/cases/").content.decode()


def test_password_change_flow(client):
    """The old password is required; validators apply; the new one works, the session stays."""
    user = UserFactory(roles=[RoleName.DISPATCHER])
    client.force_login(user)
    page = client.get("/accounts/password/")
    assert page.status_code == 200
    assert "修改密码" in page.content.decode()
    wrong = client.post(
        "/accounts/password/",
        {"old_password": "nope", "new_password1": STRONG, "new_password2": STRONG},
    )
    assert wrong.status_code == 200
    weak = client.post(
        "/accounts/password/",
        {"old_password": DEFAULT_PASSWORD, "new_password1": "123", "new_password2": "123"},
    )
    assert weak.status_code == 200
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)
    done = client.post(
        "/accounts/password/",
        {"old_password": DEFAULT_PASSWORD, "new_password1": STRONG, "new_password2": STRONG},
        follow=True,
    )
    assert done.redirect_chain[-1][0] == "/accounts/profile/"
    assert "密码已修改" in done.content.decode()
    user.refresh_from_db()
    assert user.check_password(STRONG)


# -- User administration --------------------------------------------------------------


@pytest.mark.parametrize(
    "url,method",
    [
        ("/accounts/users/", "get"),
        ("/accounts/users/new/", "get"),
        ("/accounts/users/new/", "post"),
        ("/accounts/users/{id}/", "get"),
        ("/accounts/users/{id}/", "post"),
        ("/accounts/users/{id}/active", "post"),
    ],
)
def test_user_pages_refuse_non_administrators(client, url, method):
    """Every role but admin gets 403; nothing changes."""
    target = UserFactory(username="target")
    url = url.format(id=target.pk)
    for role in set(RoleName.values) - {RoleName.ADMIN}:
        client.force_login(UserFactory(username=f"n-{role}", roles=[role]))
        response = getattr(client, method)(url, {"active": "0", "username": "x", "roles": "admin"})
        assert response.status_code == 403, (role, url)
    target.refresh_from_db()
    assert target.is_active is True
    assert not User.objects.filter(username="x").exists()


def test_user_pages_send_anonymous_visitors_to_login(client):
    """Logged out, the user list redirects to the login page."""
    response = client.get("/accounts/users/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_user_list_shows_filters_and_pages(admin_client):
    """The list shows roles, scope, state and last login; filters narrow it; pages split it."""
    city = build_city()
    UserFactory(username="insp-a", roles=[RoleName.INSPECTOR], district=city.districts[0])
    UserFactory(username="disp-b", roles=[RoleName.DISPATCHER], is_active=False)
    page = admin_client.get("/accounts/users/").content.decode()
    assert "insp-a" in page and "disp-b" in page and "监督员" in page and "已停用" in page
    by_role = admin_client.get("/accounts/users/", {"role": "inspector"}).content.decode()
    assert "insp-a" in by_role and "disp-b" not in by_role
    inactive = admin_client.get("/accounts/users/", {"active": "0"}).content.decode()
    assert "disp-b" in inactive and "insp-a" not in inactive
    by_district = admin_client.get(
        "/accounts/users/", {"district": city.districts[0].pk}
    ).content.decode()
    assert "insp-a" in by_district and "disp-b" not in by_district
    searched = admin_client.get("/accounts/users/", {"q": "DISP"}).content.decode()
    assert "disp-b" in searched and "insp-a" not in searched
    bad = admin_client.get("/accounts/users/", {"district": "x" * 500, "page": "zz"})
    assert bad.status_code == 200
    for n in range(55):
        UserFactory(username=f"bulk{n:02d}")
    first = admin_client.get("/accounts/users/").content.decode()
    assert first.count("data-username=") == 50
    second = admin_client.get("/accounts/users/", {"page": 2}).content.decode()
    assert second.count("data-username=") == User.objects.count() - 50


def test_user_list_query_count_does_not_grow_with_users(
    admin_client, django_assert_max_num_queries
):
    """Roles, district and department are fetched in bulk, not per row."""
    department = DepartmentFactory()
    for n in range(20):
        UserFactory(username=f"q{n}", roles=[RoleName.HANDLER], department=department)
    with django_assert_max_num_queries(12):
        admin_client.get("/accounts/users/")


def test_admin_creates_a_user_with_a_generated_password(admin_client):
    """Creating without a password shows the generated one once; the user can log in."""
    city = build_city()
    department = DepartmentFactory()
    response = admin_client.post(
        "/accounts/users/new/",
        {
            "username": "newbie",
            "display_name": "新人",
            "roles": [RoleName.HANDLER, RoleName.INSPECTOR],
            "district": city.districts[0].pk,
            "department": department.pk,
        },
    )
    assert response.status_code == 200
    password = response.context["password"]
    assert password in response.content.decode()
    assert (
        response["Cache-Control"].startswith("max-age=0")
        or "no-cache" in response["Cache-Control"]
    )
    user = User.objects.get(username="newbie")
    assert user.roles == {RoleName.HANDLER, RoleName.INSPECTOR}
    assert (user.district, user.department) == (city.districts[0], department)
    assert user.check_password(password)
    # Shown once: the edit page never shows it.
    assert password not in admin_client.get(f"/accounts/users/{user.pk}/").content.decode()


def test_admin_create_refuses_bad_input(admin_client):
    """Weak password, unknown role, handler without department, bad username: form errors."""
    cases = [
        {"username": "a1", "password": "123"},
        {"username": "a2", "roles": ["god"]},
        {"username": "a3", "roles": [RoleName.HANDLER]},
        {"username": "bad name!"},
        {"username": "a5", "district": "999999"},
    ]
    for data in cases:
        response = admin_client.post("/accounts/users/new/", data)
        assert response.status_code == 200, data
        assert response.context["form"].errors, data
    assert not User.objects.filter(username__in=["a1", "a2", "a3", "a5"]).exists()


def test_admin_edits_roles_district_and_department(admin_client):
    """The edit page changes roles, district and department."""
    city = build_city()
    department = DepartmentFactory()
    user = UserFactory(username="edit-me", roles=[RoleName.INSPECTOR])
    response = admin_client.post(
        f"/accounts/users/{user.pk}/",
        {
            "display_name": "改名",
            "roles": [RoleName.HANDLER],
            "district": city.districts[0].pk,
            "department": department.pk,
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    user._roles_cache = None
    assert user.roles == {RoleName.HANDLER}
    assert (user.district, user.department, user.display_name) == (
        city.districts[0],
        department,
        "改名",
    )
    assert admin_client.get("/accounts/users/999999/").status_code == 404


def logs_in(username: str) -> bool:
    """Return whether the login page lets ``username`` in (through Axes, like a person)."""
    from django.test import Client

    response = Client().post(
        "/accounts/login/", {"username": username, "password": DEFAULT_PASSWORD}
    )
    return response.status_code == 302


def test_admin_deactivates_and_reactivates_never_deletes(admin_client, admin_user):
    """A deactivated user cannot log in; reactivation restores the login; the row stays."""
    user = UserFactory(username="leaving", roles=[RoleName.OPERATOR])
    response = admin_client.post(f"/accounts/users/{user.pk}/active", {"active": "0"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.is_active is False
    assert logs_in("leaving") is False
    admin_client.post(f"/accounts/users/{user.pk}/active", {"active": "1"})
    user.refresh_from_db()
    assert user.is_active is True
    assert logs_in("leaving") is True
    own = admin_client.post(
        f"/accounts/users/{admin_user.pk}/active", {"active": "0"}, follow=True
    )
    assert "不能停用自己的账号" in own.content.decode()
    admin_user.refresh_from_db()
    assert admin_user.is_active is True


def test_user_pages_need_csrf(admin_user):
    """Posts without a CSRF token are refused."""
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(admin_user)
    user = UserFactory(username="csrf-target")
    assert strict.post(f"/accounts/users/{user.pk}/active", {"active": "0"}).status_code == 403
    assert strict.post("/accounts/users/new/", {"username": "sneaky"}).status_code == 403


def test_staff_without_admin_role_may_manage_users(client):
    """``is_staff`` opens the user pages too (the Django admin's people)."""
    client.force_login(UserFactory(username="staffer", is_staff=True))
    assert client.get("/accounts/users/").status_code == 200


def test_django_admin_user_form_shows_roles_district_and_department(client):
    """The admin's user pages list roles and last login and edit groups, district, department."""
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    UserFactory(username="shown", roles=[RoleName.DISPATCHER])
    client.force_login(root)
    listing = client.get("/admin/org/user/").content.decode()
    assert "dispatcher" in listing
    change = client.get(f"/admin/org/user/{root.pk}/change/").content.decode()
    add = client.get("/admin/org/user/add/").content.decode()
    for page in (change, add):
        assert 'name="groups"' in page
        assert 'name="district"' in page
        assert 'name="department"' in page
