"""Every enrichment step is linear in its input: hostile bodies at 200 KB cost no more per character than at 10 KB.

Each test builds a body of a hostile family (``bench.linearity.FAMILIES``: long capitalised runs, connector chains,
possessives, enormous words, quotes, broken HTML, promo lines, …) at 10 KB, 40 KB and 200 KB (the largest body an
upload may have) and times ``bench.linearity.enrich`` (clean, tag, summarise, count, title) on each. The time per
character at 200 KB must stay within ``MAX_RATIO`` of that at 10 KB: a quadratic step makes it ~20x. Timings are
the least CPU time of the process over repeats (``seconds_per_char``: other work on the machine does not count, while
it would preempt the long runs more than the short ones); a borderline ratio is measured again before failing.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bench.linearity import FAMILIES, repeat_to, seconds_per_char
from pressroom.models import MAX_BODY_CHARS

SMALL, MIDDLE, LARGE = 10_000, 40_000, MAX_BODY_CHARS
MAX_RATIO = 3.0
ATTEMPTS = 2


def growth(build: Callable[[int], str]) -> float:
    """Time per character at ``LARGE`` over that at ``SMALL`` (the best of up to ``ATTEMPTS`` measurements).

    ``MIDDLE`` is measured first and stops the measurement if it already grows too much, so that a quadratic step
    fails in seconds rather than minutes; a clearly superlinear ratio (over twice ``MAX_RATIO``) is not retried.
    """
    small, middle, large = build(SMALL), build(MIDDLE), build(LARGE)
    best = math.inf
    for _ in range(ATTEMPTS):
        base = seconds_per_char(small, repeats=3, budget=0.03)
        ratio = seconds_per_char(middle, repeats=1, budget=0) / base
        if ratio <= MAX_RATIO:
            ratio = max(ratio, seconds_per_char(large, repeats=1, budget=0) / base)
        best = min(best, ratio)
        if best <= MAX_RATIO or best > 2 * MAX_RATIO:
            break
    return best


@pytest.mark.parametrize("family", list(FAMILIES))
def test_enrichment_time_per_character_stays_flat_up_to_the_largest_body(family: str) -> None:
    ratio = growth(FAMILIES[family])
    assert ratio <= MAX_RATIO, f"{family}: time per character at 200 KB is {ratio:.1f}x that at 10 KB"


HOSTILE_PIECES = [
    "Paris",
    "London",
    "Bank",
    "of",
    "the",
    "and",
    "The",
    "O'Neil's",
    "Kestrel’s",
    "Mr.",
    "&",
    "“",
    "”",
    "‘",
    "’",
    '"',
    "'",
    "<b>",
    "<div>",
    "</p>",
    "<li>",
    "<!--",
    "\n",
    "\n\n",
    "WATCH:",
    "Sign up",
    "newsletter",
    ".",
    "!",
    "-",
    "A",
    "x",
]


@settings(max_examples=3, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    unit=st.one_of(
        st.lists(st.sampled_from(HOSTILE_PIECES), min_size=1, max_size=12).map(" ".join),
        st.lists(st.sampled_from(HOSTILE_PIECES), min_size=1, max_size=12).map("".join),
        st.text(alphabet="AaBbOo '’“”\"<>/&.\n-", min_size=1, max_size=40),
    )
)
def test_generated_hostile_text_repeated_stays_flat(unit: str) -> None:
    assume(any(ch.isalpha() for ch in unit))
    ratio = growth(lambda size: repeat_to(unit, size))
    assert ratio <= MAX_RATIO, f"{unit!r}: time per character at 200 KB is {ratio:.1f}x that at 10 KB"
