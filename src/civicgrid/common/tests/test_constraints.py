"""``constraints.txt`` pins every dependency of ``pyproject.toml`` to a version it allows.

``make install`` installs with ``-c constraints.txt`` so that a fresh clone gets
the versions CI tested. A dependency added to ``pyproject.toml`` without
``make constraints`` would install unpinned (or a pin outside the declared
range would make pip refuse to install at all); these tests catch both in CI.
"""

import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[4]
PYPROJECT = ROOT / "pyproject.toml"
CONSTRAINTS = ROOT / "constraints.txt"

pytestmark = pytest.mark.skipif(not PYPROJECT.exists(), reason="needs a source checkout")


def declared() -> list[Requirement]:
    """Return the runtime and ``dev`` requirements of ``pyproject.toml``."""
    project = tomllib.loads(PYPROJECT.read_text())["project"]
    lines = project["dependencies"] + project["optional-dependencies"]["dev"]
    return [Requirement(line) for line in lines]


def pinned(text: str) -> dict[str, Version]:
    """Return the ``name==version`` lines of a constraints file by canonical name."""
    pins = {}
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        requirement = Requirement(line)
        (specifier,) = requirement.specifier
        assert specifier.operator == "==", f"not an exact pin: {raw}"
        pins[canonicalize_name(requirement.name)] = Version(specifier.version)
    return pins


def unpinned(requirements: list[Requirement], pins: dict[str, Version]) -> list[str]:
    """Return the requirements missing from ``pins`` or pinned outside their range."""
    problems = []
    for requirement in requirements:
        version = pins.get(canonicalize_name(requirement.name))
        if version is None:
            problems.append(f"{requirement.name}: not in constraints.txt")
        elif not requirement.specifier.contains(version, prereleases=True):
            problems.append(f"{requirement.name}: pinned {version}, needs {requirement.specifier}")
    return problems


def test_every_declared_dependency_is_pinned_within_its_range():
    """Each dependency of pyproject.toml has an exact pin in constraints.txt that it accepts."""
    assert CONSTRAINTS.exists(), "constraints.txt is missing: run `make constraints`"
    problems = unpinned(declared(), pinned(CONSTRAINTS.read_text()))
    assert problems == [], "run `make constraints` and commit constraints.txt:\n" + "\n".join(
        problems
    )


def test_a_missing_or_out_of_range_pin_is_reported():
    """The check names a dependency without a pin and one pinned outside its range."""
    requirements = [Requirement("Django>=5.2,<5.3"), Requirement("shapely>=2.0")]
    assert unpinned(requirements, pinned("django==5.1.4\n")) == [
        "Django: pinned 5.1.4, needs <5.3,>=5.2",
        "shapely: not in constraints.txt",
    ]
