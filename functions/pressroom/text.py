"""Small text primitives shared by the cleaner and the tagger: accent folding and slugs."""

from __future__ import annotations

import re
import unicodedata

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_SPECIAL_FOLDS = str.maketrans(
    {
        "ß": "ss",
        "æ": "ae",
        "Æ": "AE",
        "ø": "o",
        "Ø": "O",
        "đ": "d",
        "Đ": "D",
        "ł": "l",
        "Ł": "L",
        "œ": "oe",
        "Œ": "OE",
        "þ": "th",
        "Þ": "Th",
        "ı": "i",
    }
)


def fold(value: str) -> str:
    """``value`` with accents and ligatures folded to ASCII where possible (``Zoë`` -> ``Zoe``); case is kept."""
    if value.isascii():
        return value
    decomposed = unicodedata.normalize("NFKD", value.translate(_SPECIAL_FOLDS))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def slugify(value: str, max_length: int = 80) -> str:
    """A URL-safe key: accents folded, lower case, runs of anything else than ``a-z0-9`` -> ``-``, no edge dashes.

    The result is at most ``max_length`` characters, cut on a ``-`` boundary when one exists; it may be empty
    (e.g. for ``"!!!"`` or text in scripts that do not fold to ASCII). Part of the feed table's stored layout (index
    names, ``ports.index_names``; ``tests/unit/test_article_codec.py`` pins examples): never change what it gives.
    """
    slug = _NON_ALNUM.sub("-", fold(value).lower()).strip("-")
    if len(slug) <= max_length:
        return slug
    cut = slug[: max_length + 1]
    boundary = cut.rfind("-")
    return (cut[:boundary] if boundary > 0 else slug[:max_length]).strip("-")
