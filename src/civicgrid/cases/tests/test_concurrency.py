"""Two dispatchers dispatch the same filed case at the same moment: exactly one wins.

``act`` locks the case row (``SELECT … FOR UPDATE``) before it judges the rule, so the second
request waits for the first, then finds the case already dispatched and gets a 409. The real
race needs a server database with row locks and one connection per thread (PostgreSQL); on
SQLite the sequential version still checks the 409.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from civicgrid.cases.models import Case, CaseEvent
from civicgrid.cases.tests.conftest import Api
from civicgrid.testing.factories import (
    DEFAULT_PASSWORD,
    DepartmentFactory,
    FilingConditionFactory,
    UserFactory,
    build_city,
)

ROUNDS = 3


def _small_city():
    """Build a 2 × 2 city, a category with a filing condition, a department and three users."""
    city = build_city()
    condition = FilingConditionFactory()
    department = DepartmentFactory(code="SZGY-T", categories=[condition.category])
    # Someone to handle what is dispatched there (a dispatch to nobody is refused).
    UserFactory(username="handler", roles=["handler"], department=department)
    for name, role in (
        ("op", "operator"),
        ("disp_a", "dispatcher"),
        ("disp_b", "dispatcher"),
    ):
        UserFactory(username=name, roles=[role])
    return city, condition, department, DEFAULT_PASSWORD


def _filed_case(operator: Api, city, condition) -> int:
    lon, lat = city.center(0)
    response = operator.report(lon, lat, channel="hotline", description="井盖缺失")
    assert response.status_code == 201, response.content
    case_id = response.json()["case_id"]
    operator.ok(case_id, "file", category=condition.category_id, filing_condition=condition.pk)
    return case_id


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_simultaneous_dispatch_exactly_one_wins():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks and one connection per thread")
    city, condition, department, password = _small_city()
    operator = Api("op", password)
    clients = [Api("disp_a", password), Api("disp_b", password)]

    for _ in range(ROUNDS):
        case_id = _filed_case(operator, city, condition)
        barrier = threading.Barrier(len(clients))
        results: list = [None] * len(clients)

        def dispatch(index: int, case_id: int = case_id, barrier=barrier, results=results):
            from django.db import connection as thread_connection

            try:
                barrier.wait(timeout=10)
                response = clients[index].act(case_id, "dispatch", department=department.pk)
                results[index] = (response.status_code, response.json())
            except Exception as exc:  # reported below, never swallowed
                results[index] = ("exception", repr(exc))
            finally:
                thread_connection.close()

        threads = [threading.Thread(target=dispatch, args=(i,)) for i in range(len(clients))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert not any(thread.is_alive() for thread in threads)

        statuses = sorted(result[0] for result in results)
        assert statuses == [200, 409], results
        loser = next(body for status, body in results if status == 409)
        assert loser["error"] in ("invalid_state", "conflict"), loser
        assert set(loser) == {"error", "message", "fields"}
        case = Case.objects.get(pk=case_id)
        assert case.state == "dispatched"
        assert case.department_id == department.pk
        assert CaseEvent.objects.filter(case=case, action="dispatch").count() == 1
        assert case.version == CaseEvent.objects.filter(case=case).count() == 3


@pytest.mark.django_db
def test_second_dispatch_is_a_conflict():
    city, condition, department, password = _small_city()
    other = DepartmentFactory(code="SRHW-T")
    UserFactory(username="handler_other", roles=["handler"], department=other)
    operator, first, second = Api("op", password), Api("disp_a", password), Api("disp_b", password)
    case_id = _filed_case(operator, city, condition)
    # Both dispatchers loaded the case at the same version.
    version = first.case(case_id)["version"]
    assert second.case(case_id)["version"] == version
    first.ok(case_id, "dispatch", department=department.pk, version=version)
    # The second, sent with the version it saw, is told the case moved on.
    stale = second.act(case_id, "dispatch", department=other.pk, version=version)
    assert stale.status_code == 409
    assert stale.json()["error"] == "conflict"
    # Without a version, the state decides: it is no longer filed.
    again = second.act(case_id, "dispatch", department=other.pk)
    assert again.status_code == 409
    assert again.json()["error"] == "invalid_state"
    case = Case.objects.get(pk=case_id)
    assert case.department_id == department.pk
    assert CaseEvent.objects.filter(case=case, action="dispatch").count() == 1
