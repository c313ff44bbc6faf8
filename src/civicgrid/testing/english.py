"""Find English sentences in what a person reads (for tests of the Chinese interface).

A refusal in zh-hans may hold single Latin words (codes such as ``wgs84``, formats such
as JPEG, product names) but never a run of Latin words: that is an untranslated sentence.
"""

import html
import json
import re

#: Latin words a Chinese text may contain: product names, formats and units.
ALLOWED_WORDS = frozenset(
    {
        "CivicGrid", "JPEG", "PNG", "WebP", "JSON", "NUL", "API", "GPS", "MB", "KB", "GB",
        "true", "false", "asset", "incident", "Open311",
    }
)  # fmt: skip
_CODES = re.compile(
    r"%\(\w+\)s|[\w-]+\.\w+|[\w.:+-]*[\d_][\w.:+-]*", re.ASCII
)  # %(n)s, wgs84, min_lon
_WORD = r"[A-Za-z][A-Za-z'’-]*"
_RUN = re.compile(rf"{_WORD}(?:[ \t\n,;.!?()/]+{_WORD})+")
_HIDDEN = re.compile(r"<(script|style|head|template)\b.*?</\1>", re.DOTALL | re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")
_MESSAGES = re.compile(r'<ul class="messages"[^>]*>(.*?)</ul>', re.DOTALL)


def english_runs(text: str) -> list[str]:
    """Return the runs of two or more Latin words in ``text`` (codes and names allowed)."""
    cleaned = _CODES.sub(" ", text)
    cleaned = re.sub(_WORD, lambda m: "|" if m.group(0) in ALLOWED_WORDS else m.group(0), cleaned)
    return [match.group(0) for match in _RUN.finditer(cleaned)]


def visible_text(page: str) -> str:
    """Return the text of an HTML page a person sees (no scripts, styles or attributes)."""
    return html.unescape(_TAG.sub(" ", _HIDDEN.sub(" ", page)))


def flash_messages(page: str) -> str:
    """Return the text of the page's flash messages (``ul.messages``)."""
    return " ".join(visible_text(block) for block in _MESSAGES.findall(page))


def api_error_text(body: bytes | str | dict) -> str:
    """Return the ``message`` and the ``fields`` texts of a JSON error body."""
    data = json.loads(body) if isinstance(body, bytes | str) else body
    fields = data.get("fields") or {}
    return " ".join([str(data.get("message", "")), *(str(v) for v in fields.values())])
