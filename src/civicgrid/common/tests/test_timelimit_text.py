"""Time-limit refusals read in the reader's language."""

import pytest
from django.utils import translation

from civicgrid.common.timelimit_text import describe
from civicgrid.core.timelimits import TimeLimit, TimeLimitError


@pytest.mark.parametrize("text", ["", "立即", "2周", "0天", "400天"])
def test_every_refusal_reads_in_chinese(text):
    with pytest.raises(TimeLimitError) as caught:
        TimeLimit.parse(text)
    with translation.override("zh-hans"):
        message = describe(caught.value)
    assert message and not any("a" <= ch.lower() <= "z" for ch in message), message


def test_refusal_names_what_was_typed():
    with pytest.raises(TimeLimitError) as caught:
        TimeLimit.parse("马上")
    with translation.override("zh-hans"):
        assert "马上" in describe(caught.value)
    with translation.override("en"):
        assert "is not a time limit" in describe(caught.value)
