"""Tagger benchmark: precision, recall and F1 of the top tags against the labelled set, and extract_tags timing.

Run from the repository root: ``.venv/bin/python -m bench.tags``. The labelled set is ``bench/labelled/*.json``
(``{"title", "body", "section", "expected_tags": [{"name", "kind", "aliases"?}]}``), the bodies with their CMS noise
left in: each goes through ``clean_body`` first and its footer names are blocked, as in the pipeline, and the time
per article is that of ``extract_tags`` alone.

Matching is by slug: a predicted tag matches an expected one if the slugs are equal, or equal to the slug of one of
the expected tag's optional ``aliases`` (other full names of the same entity), a leading article ("The") ignored on
both sides. Kind groups score the predicted tags of the group's kinds against the expected tags of those kinds, so a
right name with a kind outside the group counts as a miss there (but not overall). Per kind, a predicted tag counts
only if both its name and its kind are right. Kind accuracy is the share of name matches whose kind is right. A junk
tag is a predicted tag matching no expected one that is calendar words (``Saturday``, ``Week Ago``), an all-caps
run of several words (a heading or table header: ``GF GA PTS``) or one word the article also uses in lower case
(a generic word: ``League``, ``Officials``); topics are generic by design and never junk.
"""

from __future__ import annotations

import json
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from pressroom.cleaning import clean_body
from pressroom.tagging import extract_tags
from pressroom.text import slugify

LABELLED = Path(__file__).resolve().parent / "labelled"
TOP = 10
REPEATS = 5
GROUPS: dict[str, frozenset[str]] = {
    "people/organisations/works": frozenset({"person", "organisation", "work"}),
    "places": frozenset({"place"}),
    "events": frozenset({"event"}),
    "topics": frozenset({"topic"}),
}


KINDS = ("person", "organisation", "place", "work", "event", "topic")
CALENDAR = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday january february march april may june july august "
    "september october november december christmas easter weekend week weeks month months year years ago date "
    "today yesterday tomorrow".split()
)


def load_labelled(folder: Path = LABELLED) -> list[dict[str, Any]]:
    """The labelled articles, sorted by file name, each with its ``id`` (the file's stem)."""
    articles = []
    for path in sorted(folder.glob("*.json")):
        article = json.loads(path.read_text(encoding="utf-8"))
        article["id"] = path.stem
        articles.append(article)
    return articles


def _norm(slug: str) -> str:
    return slug.removeprefix("the-")


def _expected_keys(tag: dict[str, Any]) -> set[str]:
    return {_norm(slugify(name)) for name in [tag["name"], *tag.get("aliases", [])]}


def _prf(tp: int, predicted: int, expected: int) -> dict[str, float]:
    precision = tp / predicted if predicted else 0.0
    recall = tp / expected if expected else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 3), "recall": round(recall, 3), "f1": round(f1, 3)}


def _count(predicted: list[tuple[str, str]], expected: list[dict[str, Any]]) -> tuple[int, int, int]:
    unmatched = [_expected_keys(tag) for tag in expected]
    tp = 0
    for slug, _kind in predicted:
        for index, keys in enumerate(unmatched):
            if _norm(slug) in keys:
                tp += 1
                del unmatched[index]
                break
    return tp, len(predicted), len(expected)


def is_junk(name: str, lowercase_words: set[str]) -> bool:
    """Calendar words only, an all-caps run of several words, or one word the article also uses in lower case."""
    words = [word for word in name.split() if any(ch.isalnum() for ch in word)]
    if not words:
        return True
    if all(word.lower() in CALENDAR or word.isdigit() for word in words):
        return True
    if len(words) > 1 and all(word.isupper() or word.isdigit() for word in words):
        return True
    return len(words) == 1 and words[0].lower() in lowercase_words


def evaluate(folder: Path = LABELLED, *, top: int = TOP, repeats: int = REPEATS) -> dict[str, Any]:
    """Scores of ``extract_tags`` (its ``top`` best tags) on the labelled set, and its timing per article.

    Returns ``{"articles", "top", "overall": {precision, recall, f1}, "groups": {name: {...}}, "kinds": {kind:
    {...}}, "kind_accuracy", "junk", "junk_tags": [names], "median_ms", "p95_ms", "misses": {article id:
    [expected names not found]}, "extra": {article id: [predicted names matching nothing]}}``.
    """
    articles = load_labelled(folder)
    totals = {"overall": [0, 0, 0], **{name: [0, 0, 0] for name in GROUPS}}
    per_kind = {kind: [0, 0, 0] for kind in KINDS}
    timings: list[float] = []
    misses: dict[str, list[str]] = {}
    extra: dict[str, list[str]] = {}
    junk: list[str] = []
    matched = right_kind = 0
    for article in articles:
        clean = clean_body(article["body"])
        for _ in range(repeats):
            started = time.perf_counter()
            tags = extract_tags(article["title"], clean.text, blocked=clean.footer_names)
            timings.append((time.perf_counter() - started) * 1000)
        predicted = [(tag.slug, tag.kind) for tag in tags[:top]]
        expected = article["expected_tags"]
        for name, kinds in [("overall", None), *GROUPS.items()]:
            chosen_p = [p for p in predicted if kinds is None or p[1] in kinds]
            chosen_e = [e for e in expected if kinds is None or e["kind"] in kinds]
            for index, value in enumerate(_count(chosen_p, chosen_e)):
                totals[name][index] += value
        for kind in KINDS:
            counts = _count([p for p in predicted if p[1] == kind], [e for e in expected if e["kind"] == kind])
            for index, value in enumerate(counts):
                per_kind[kind][index] += value
        kind_of = {key: e["kind"] for e in expected for key in _expected_keys(e)}
        lowercase_words = {word for word in re.findall(r"[^\W\d_]+", clean.text) if word.islower()}
        extra[article["id"]] = []
        for tag in tags[:top]:
            if _norm(tag.slug) in kind_of:
                matched += 1
                right_kind += kind_of[_norm(tag.slug)] == tag.kind
                continue
            extra[article["id"]].append(f"{tag.name} ({tag.kind})")
            if tag.kind != "topic" and is_junk(tag.name, lowercase_words):
                junk.append(tag.name)
        found = {_norm(slug) for slug, _ in predicted}
        misses[article["id"]] = [e["name"] for e in expected if not _expected_keys(e) & found]
    timings.sort()
    return {
        "articles": len(articles),
        "top": top,
        "overall": _prf(*totals["overall"]),
        "groups": {name: _prf(*totals[name]) for name in GROUPS},
        "kinds": {kind: _prf(*per_kind[kind]) for kind in KINDS},
        "kind_accuracy": round(right_kind / matched, 3) if matched else 0.0,
        "junk": len(junk),
        "junk_tags": junk,
        "median_ms": round(statistics.median(timings), 2),
        "p95_ms": round(timings[min(len(timings) - 1, int(0.95 * len(timings)))], 2),
        "misses": misses,
        "extra": extra,
    }


def main(argv: list[str] | None = None) -> None:
    """Print the figures; ``--verbose`` also lists each article's misses and unmatched tags."""
    verbose = "--verbose" in (sys.argv[1:] if argv is None else argv)
    result = evaluate()
    print(f"tagger benchmark: {result['articles']} labelled articles, top {result['top']} tags, match by slug")
    rows = [("overall", result["overall"]), *result["groups"].items(), *result["kinds"].items()]
    for name, figures in rows:
        print(
            f"{name:<28} precision {figures['precision']:.3f}  recall {figures['recall']:.3f}  F1 {figures['f1']:.3f}"
        )
    print(f"kind accuracy {result['kind_accuracy']:.3f}  junk tags {result['junk']} {result['junk_tags'][:12]}")
    print(f"extract_tags time per article: median {result['median_ms']:.2f} ms, p95 {result['p95_ms']:.2f} ms")
    if verbose:
        for article_id in result["misses"]:
            if result["misses"][article_id] or result["extra"][article_id]:
                print(f"{article_id}: missed {result['misses'][article_id]}; extra {result['extra'][article_id]}")


if __name__ == "__main__":
    main()
