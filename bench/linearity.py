"""Linearity benchmark: time per character of the enrichment steps on hostile bodies of growing size.

Run from the repository root: ``.venv/bin/python -m bench.linearity [--quick] [--family NAME ...]``. Each family of
hostile bodies (``FAMILIES``) and each realistic article repeated (``REALISTIC``) is built at 1 KB, 10 KB, 50 KB and
200 KB (thousands of characters; 200 KB is the largest body an upload may have, ``models.MAX_BODY_CHARS``) and put
through ``enrich``: ``clean_body``, then ``extract_tags``, ``derive_summary`` and ``count_words`` of the cleaned text,
and ``first_sentence_title`` (what ingest does to a body). It prints the time per 1,000 characters at each size (the
best of a few runs) and the ratio 200 KB / 1 KB: a linear step keeps it flat (target: within 2x), a quadratic one
multiplies it by up to 200. Times are the CPU time of this process (``time.process_time``), not wall-clock time: on a
machine shared with other work, a long run is preempted far more often than a short one, which would make the ratio
grow with the load rather than with the code.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from pressroom.cleaning import clean_body, count_words, derive_summary, first_sentence_title
from pressroom.models import MAX_BODY_CHARS
from pressroom.tagging import extract_tags

ARTICLES = Path(__file__).resolve().parent.parent / "examples" / "articles"
SIZES = (1_000, 10_000, 50_000, MAX_BODY_CHARS)
QUICK_SIZES = (1_000, 10_000, 50_000)
TARGET_RATIO = 2.0
TITLE = "Council approves the harbour plan after a long debate"


def repeat_to(unit: str, size: int) -> str:
    """``unit`` repeated and cut to exactly ``size`` characters."""
    return (unit * (size // len(unit) + 1))[:size]


def _repeated(unit: str) -> Callable[[int], str]:
    return lambda size: repeat_to(unit, size)


def _pseudo_names(rng: random.Random, count: int) -> list[str]:
    syllables = (rng.choice("bcdfghjklmnprstvwz") + rng.choice("aeiou") for _ in range(count * 4))
    return ["".join(next(syllables) for _ in range(rng.randint(2, 4))).capitalize() for _ in range(count)]


def _distinct_names(size: int) -> str:
    """Sentences naming ever new people and organisations: many distinct candidates for the tagger to merge."""
    rng = random.Random(8)
    parts: list[str] = []
    total = 0
    while total < size:
        first, last, org, place = _pseudo_names(rng, 4)
        sentence = f"{first} {last} of the {org} Group said {last} would visit {place}. "
        parts.append(sentence)
        total += len(sentence)
    return "".join(parts)[:size]


def _broken_html(size: int) -> str:
    """Ever deeper unclosed elements, then tag soup: stray end tags, unclosed blocks, containers inside inline."""
    nested = repeat_to("<div><b><i><a href='https://e.com/'>Deep ", size // 2)
    soup = "<p>Para <em>lean <li>item </b><td>x</i><h1>T</div><br><img src='https://e.com/i.png'>"
    return nested + repeat_to(soup, size - len(nested))


def _random_text(size: int) -> str:
    """Seeded random characters from an alphabet of letters of both cases, quotes, markup and line breaks."""
    rng = random.Random(10)
    alphabet = "aAbBeEkKoOsStT" + "    " + "\n\n" + "'’‘“”\"" + "<>/&;=" + ".,:!?" + "0123456789" + "-–"
    return "".join(rng.choices(alphabet, k=size))


def _article(name: str) -> Callable[[int], str]:
    def build(size: int) -> str:
        article = json.loads((ARTICLES / f"{name}.json").read_text(encoding="utf-8"))
        return repeat_to(article["body"] + "\n\n", size)

    return build


FAMILIES: dict[str, Callable[[int], str]] = {
    "capitalised run": _repeated("Paris London Berlin Madrid Rome BREAKING NEWS FROM THE HARBOUR "),
    "connector chain": _repeated("The Bank of England and the Bank of France"),
    "distinct names": _distinct_names,
    "possessives": _repeated("O'Neil's Kestrel’s "),
    "one enormous word": lambda size: "A" + repeat_to("bb-C’d", size - 1),
    "punctuation run": lambda size: "So" + repeat_to("…!?.", size - 2),
    "alternating case": _repeated("Alpha beta Gamma delta aBcDeFgH "),
    "quotes": _repeated('“Big Red Book” and ‘The Small Song’ and "The Long Road" “Open ‘Half '),
    "quotes without spaces": _repeated("“Ab”"),
    "nested and broken html": _broken_html,
    "promo lines": _repeated("WATCH: The Mayor of London Speaks Out\nREAD MORE: Harbour Plan Approved\n"),
    "footer lines": _repeated("Sign up to The Pressroom Daily Morning Briefing Newsletter Today And Every Day\n"),
    "short paragraphs": _repeated("A short one.\n\n"),
    "random text": _random_text,
}
"""Hostile bodies by family: ``FAMILIES[name](size)`` is a body of exactly ``size`` characters."""

REALISTIC: dict[str, Callable[[int], str]] = {
    "news article repeated, plain": _article("harbour-lights-festival-returns"),
    "news article repeated, html": _article("brightwell-foods-job-cuts"),
}


def enrich(body: str) -> None:
    """What ingest does to a body: clean it, tag, summarise and count the cleaned text, and title it."""
    clean = clean_body(body)
    extract_tags(TITLE, clean.text)
    derive_summary(clean.text)
    count_words(clean.text)
    first_sentence_title(body)


def seconds_per_char(body: str, *, repeats: int = 3, budget: float = 0.2) -> float:
    """The least CPU time of at least ``repeats`` runs of ``enrich(body)``, divided by the body's length; small bodies
    run again until ``budget`` seconds are spent (50 runs at most)."""
    best = float("inf")
    spent = 0.0
    runs = 0
    gc.collect()
    while runs < repeats or spent < budget:
        started = time.process_time()
        enrich(body)
        elapsed = time.process_time() - started
        best = min(best, elapsed)
        spent += elapsed
        runs += 1
        if runs >= 50:
            break
    return best / len(body)


def measure(sizes: Sequence[int] = SIZES, *, rounds: int = 3, families: Sequence[str] = ()) -> dict[str, Any]:
    """Time per 1,000 characters (microseconds) of ``enrich`` for each family at each size, and the ratio of the
    largest to the smallest size: ``{"sizes", "families": {name: {"us_per_kchar": {size: us}, "ratio"}},
    "worst": (name, ratio)}``. Each size is timed once per round, the sizes of a family in turn, and its best round
    counts (a body under 50 ms runs again within the round), so that a busy spell of the machine hits one round only.
    """
    results: dict[str, dict[str, Any]] = {}
    builders = FAMILIES | REALISTIC
    for name in families or builders:
        bodies = {size: builders[name](size) for size in sizes}
        best = dict.fromkeys(sizes, float("inf"))
        for _ in range(rounds):
            for size, body in bodies.items():
                best[size] = min(best[size], seconds_per_char(body, repeats=1, budget=0.05))
        per_kchar = {size: round(seconds * 1e9, 1) for size, seconds in best.items()}
        ratio = per_kchar[sizes[-1]] / per_kchar[sizes[0]]
        results[name] = {"us_per_kchar": per_kchar, "ratio": round(ratio, 2)}
    worst = max(results.items(), key=lambda item: item[1]["ratio"])
    return {"sizes": list(sizes), "families": results, "worst": (worst[0], worst[1]["ratio"])}


def _size_label(size: int) -> str:
    return f"{size // 1000} KB"


def lines(figures: dict[str, Any]) -> list[str]:
    sizes = figures["sizes"]
    ratio_label = f"{_size_label(sizes[-1])}/{_size_label(sizes[0])}"
    out = [f"µs per 1,000 characters of clean+tag+summary+count+title at {', '.join(map(_size_label, sizes))}; ratio"]
    for name, result in figures["families"].items():
        cells = ", ".join(f"{us:,.0f}" for us in result["us_per_kchar"].values())
        verdict = "" if result["ratio"] <= TARGET_RATIO else f" (**over {TARGET_RATIO:g}x**)"
        out.append(f"{name}: {cells}; {ratio_label} {result['ratio']:.2f}x{verdict}")
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help=f"sizes up to {_size_label(QUICK_SIZES[-1])} only")
    parser.add_argument(
        "--family", action="append", choices=list(FAMILIES | REALISTIC), help="only this family (repeatable)"
    )
    args = parser.parse_args(argv)
    figures = measure(QUICK_SIZES if args.quick else SIZES, families=args.family or ())
    for line in lines(figures):
        print(line, flush=True)
    name, ratio = figures["worst"]
    print(f"worst ratio: {ratio:.2f}x ({name}); target <= {TARGET_RATIO:g}x")


if __name__ == "__main__":
    main()
