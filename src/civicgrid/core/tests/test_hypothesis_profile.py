"""Property tests run without hypothesis's 200 ms deadline, and reproducibly on CI.

Under load (CI, two cores shared by several jobs) a correct example can take
longer than the default deadline, which hypothesis reports as a FlakyFailure;
the root ``conftest.py`` loads a profile without it before any test module is
imported, so tests that set their own ``@settings`` inherit it too.
"""

from hypothesis import HealthCheck, settings

from civicgrid.core.tests import test_deadlines, test_workcalendar


def test_the_loaded_profile_has_no_deadline():
    """The active profile sets no deadline and tolerates slow data generation."""
    assert settings.default.deadline is None
    assert HealthCheck.too_slow in settings.default.suppress_health_check


def test_tests_with_their_own_settings_inherit_no_deadline():
    """A test decorated with ``@settings(max_examples=…)`` keeps the profile's deadline."""
    decorated = [
        test_workcalendar.test_add_and_between_are_inverse,
        test_deadlines.test_due_is_monotonic,
    ]
    for test in decorated:
        assert test.hypothesis.inner_test  # a hypothesis test
        assert test._hypothesis_internal_use_settings.deadline is None, test.__name__


def test_the_ci_profile_is_reproducible():
    """The ``ci`` profile (loaded when ``CI`` is set) draws the same examples every run."""
    ci = settings.get_profile("ci")
    assert ci.derandomize is True
    assert ci.deadline is None
    assert HealthCheck.too_slow in ci.suppress_health_check
