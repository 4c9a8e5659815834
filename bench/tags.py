"""Tagger benchmark: precision, recall and F1 of the top tags against the labelled set, and extract_tags timing.

Run from the repository root: ``.venv/bin/python -m bench.tags``. The labelled set is ``bench/labelled/*.json``
(``{"title", "body", "section", "expected_tags": [{"name", "kind", "aliases"?}]}``), the bodies with their CMS noise
left in, so the tagger's own robustness is measured too.

Matching is by slug: a predicted tag matches an expected one if the slugs are equal, or equal to the slug of one of
the expected tag's optional ``aliases`` (other full names of the same entity), a leading article ("The") ignored on
both sides. Kind groups score the predicted tags of the group's kinds against the expected tags of those kinds, so a
right name with a kind outside the group counts as a miss there (but not overall).
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path
from typing import Any

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


def evaluate(folder: Path = LABELLED, *, top: int = TOP, repeats: int = REPEATS) -> dict[str, Any]:
    """Scores of ``extract_tags`` (its ``top`` best tags) on the labelled set, and its timing per article.

    Returns ``{"articles", "top", "overall": {precision, recall, f1}, "groups": {name: {...}},
    "median_ms", "p95_ms", "misses": {article id: [expected names not found]}}``.
    """
    articles = load_labelled(folder)
    totals = {"overall": [0, 0, 0], **{name: [0, 0, 0] for name in GROUPS}}
    timings: list[float] = []
    misses: dict[str, list[str]] = {}
    for article in articles:
        for _ in range(repeats):
            started = time.perf_counter()
            tags = extract_tags(article["title"], article["body"])
            timings.append((time.perf_counter() - started) * 1000)
        predicted = [(tag.slug, tag.kind) for tag in tags[:top]]
        expected = article["expected_tags"]
        for name, kinds in [("overall", None), *GROUPS.items()]:
            chosen_p = [p for p in predicted if kinds is None or p[1] in kinds]
            chosen_e = [e for e in expected if kinds is None or e["kind"] in kinds]
            for index, value in enumerate(_count(chosen_p, chosen_e)):
                totals[name][index] += value
        found = {_norm(slug) for slug, _ in predicted}
        misses[article["id"]] = [e["name"] for e in expected if not _expected_keys(e) & found]
    timings.sort()
    return {
        "articles": len(articles),
        "top": top,
        "overall": _prf(*totals["overall"]),
        "groups": {name: _prf(*totals[name]) for name in GROUPS},
        "median_ms": round(statistics.median(timings), 2),
        "p95_ms": round(timings[min(len(timings) - 1, int(0.95 * len(timings)))], 2),
        "misses": misses,
    }


def main() -> None:
    result = evaluate()
    print(f"tagger benchmark: {result['articles']} labelled articles, top {result['top']} tags, match by slug")
    rows = [("overall", result["overall"]), *result["groups"].items()]
    for name, figures in rows:
        print(
            f"{name:<28} precision {figures['precision']:.3f}  recall {figures['recall']:.3f}  F1 {figures['f1']:.3f}"
        )
    print(f"extract_tags time per article: median {result['median_ms']:.2f} ms, p95 {result['p95_ms']:.2f} ms")


if __name__ == "__main__":
    main()
