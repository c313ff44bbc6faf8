"""The NUL check on incoming text (no database)."""

from civicgrid.core.text import contains_nul, fields_with_nul


def test_contains_nul_finds_a_nul_in_nested_text():
    assert contains_nul("a\x00b")
    assert contains_nul(b"\x00")
    assert contains_nul({"outer": [{"inner": "x\x00"}]})
    assert contains_nul({"key\x00": "value"})
    assert contains_nul(("ok", "bad\x00"))


def test_contains_nul_accepts_ordinary_text_and_other_values():
    assert not contains_nul("井盖破损 \\u0000 as typed")
    assert not contains_nul({"a": 1, "b": [None, 2.5, True]})
    assert not contains_nul(None)


def test_fields_with_nul_names_the_bad_fields_in_order():
    assert fields_with_nul({"description": "x\x00", "address": "ok", "note": "\x00"}) == [
        "description",
        "note",
    ]
