"""Tagger benchmark: salient recall, entity precision, kind accuracy and junk of the top tags on the labelled set.

Run from the repository root: ``.venv/bin/python -m bench.tags [--verbose]``. The labelled set is
``bench/labelled/*.json``: ``{"title", "body", "section", "batch"?, "expected_tags": [{"name", "kind", "aliases"?,
"forms"?}]}``, the bodies with their CMS noise left in. ``expected_tags`` lists every named person, organisation,
place, work and event of the article (plus topics); ``aliases`` are other full names of the same entity (``BOJ``,
``U.S. Federal Reserve``), ``forms`` the short forms the text also uses for it (a surname, ``Rovers``, ``Fed``).
Each article goes through ``clean_body`` first and its footer names are blocked, as in the pipeline; the time per
article is that of ``extract_tags`` alone. Articles with ``"batch": "new"`` were written before the tagger was tuned
on the set (their errors were seen while tuning, though); those with ``"batch": "fresh"`` were written after the
main changes and are only ever looked at in aggregate: both are reported apart as rough held-out checks, and
``--verbose`` leaves the fresh ones out.

The figures, on each article's top ``TOP`` (12, ``models.MAX_TAGS``) tags:

- A predicted tag *names* an expected entity if its slug equals that of the entity's name or of one of its aliases,
  a leading article (``The``) ignored on both sides; a short form names nothing (``Rafferty`` for Donal Rafferty is a
  truncated name). Each entity is named by one tag at most: a second tag naming it is a duplicate.
- Mentions of an entity: occurrences in the title and the cleaned body of its name, aliases and forms (also written
  in capitals, and without a leading ``The``), case-sensitive, whole words, the longest surface first and no two
  overlapping (``Harlow Hawks`` is no mention of Harlow). Tables count: a name in a results line is mentioned there.
- **Salient recall**: the share of people, organisations and places mentioned at least twice that some tag names.
- **Precision**: the share of the predicted person, organisation, place, work and event tags that name an entity of
  the text (topics are left out: they are generic by design).
- **Kind accuracy**: the share of the tags naming an entity, where the entity's kind or the tag's is person,
  organisation or place, whose kind is the entity's.
- **Junk**: predicted tags naming no entity that are weekday, month or other calendar words, an all-caps run of
  several words (a heading or table header: ``GF GA PTS``), or one word the article also uses in lower case (a
  generic word: ``League``, ``Officials``).

Also printed, as before this definition: precision, recall and F1 of all tags against all expected tags (topics
included), per group and per kind. ``words600_ms`` times ``extract_tags`` on a 600-word article made of the set's
paragraphs (the target is 10 ms).
"""

from __future__ import annotations

import json
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pressroom.cleaning import clean_body
from pressroom.models import MAX_TAGS
from pressroom.tagging import extract_tags
from pressroom.text import slugify

LABELLED = Path(__file__).resolve().parent / "labelled"
TOP = MAX_TAGS
REPEATS = 5
NEW_BATCH = "new"
FRESH_BATCH = "fresh"
GROUPS: dict[str, frozenset[str]] = {
    "people/organisations/works": frozenset({"person", "organisation", "work"}),
    "places": frozenset({"place"}),
    "events": frozenset({"event"}),
    "topics": frozenset({"topic"}),
}
KINDS = ("person", "organisation", "place", "work", "event", "topic")
ENTITY_KINDS = frozenset({"person", "organisation", "place", "work", "event"})
SALIENT_KINDS = frozenset({"person", "organisation", "place"})
MIN_SALIENT_MENTIONS = 2
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


def mention_counts(text: str, expected: list[dict[str, Any]]) -> list[int]:
    """How often ``text`` mentions each expected entity (see the module docstring): longest surfaces first, whole
    words, case-sensitive (each surface also in capitals and without a leading ``The``), no overlaps."""
    surfaces: dict[str, int] = {}
    for index, tag in enumerate(expected):
        for form in [tag["name"], *tag.get("aliases", []), *tag.get("forms", [])]:
            for variant in (form, form.removeprefix("The ")):
                for written in (variant, variant.upper()):
                    surfaces.setdefault(written, index)
    taken = [False] * (len(text) + 1)
    counts = [0] * len(expected)
    for surface in sorted(surfaces, key=len, reverse=True):
        for match in re.finditer(rf"(?<!\w){re.escape(surface)}(?!\w)", text):
            if not any(taken[match.start() : match.end()]):
                taken[match.start() : match.end()] = [True] * (match.end() - match.start())
                counts[surfaces[surface]] += 1
    return counts


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


def _article_of_words(articles: list[dict[str, Any]], words: int) -> str:
    from bench.ingest import prose_of_words

    return prose_of_words(words, [a["body"] for a in articles])


def _score_article(article: dict[str, Any], tags: list[Any], text: str, top: int) -> dict[str, Any]:
    """One article's counts: which entities the top tags name, which tags are wrong, duplicates, kinds, junk."""
    expected = [e for e in article["expected_tags"] if e["kind"] in ENTITY_KINDS]
    mentions = mention_counts(article["title"] + "\n" + text, expected)
    keys = [_expected_keys(e) for e in expected]
    named: dict[int, str] = {}
    wrong, kind_errors, junk = [], [], []
    entity_tags = right_kind = kind_judged = 0
    lowercase_words = {word for word in re.findall(r"[^\W\d_]+", text) if word.islower()}
    for tag in tags[:top]:
        if tag.kind not in ENTITY_KINDS:
            continue
        entity_tags += 1
        hit = next((i for i, k in enumerate(keys) if _norm(tag.slug) in k), None)
        if hit is None or hit in named:
            wrong.append(f"{tag.name} ({tag.kind})" + (" duplicate" if hit is not None else ""))
            if hit is None and is_junk(tag.name, lowercase_words):
                junk.append(tag.name)
            continue
        named[hit] = tag.kind
        gold = expected[hit]["kind"]
        if gold in SALIENT_KINDS or tag.kind in SALIENT_KINDS:
            kind_judged += 1
            right_kind += gold == tag.kind
            if gold != tag.kind:
                kind_errors.append(f"{tag.name} {tag.kind}, not {gold}")
    salient = [i for i, e in enumerate(expected) if e["kind"] in SALIENT_KINDS and mentions[i] >= MIN_SALIENT_MENTIONS]
    return {
        "salient": len(salient),
        "salient_named": sum(1 for i in salient if i in named),
        "salient_missed": [f"{expected[i]['name']} ({mentions[i]})" for i in salient if i not in named],
        "entity_tags": entity_tags,
        "entity_tags_right": entity_tags - len(wrong),
        "wrong": wrong,
        "kind_judged": kind_judged,
        "right_kind": right_kind,
        "kind_errors": kind_errors,
        "junk": junk,
    }


def evaluate(
    folder: Path = LABELLED,
    *,
    top: int = TOP,
    repeats: int = REPEATS,
    select: Callable[[dict[str, Any]], bool] | None = None,
) -> dict[str, Any]:
    """Scores of ``extract_tags`` (its ``top`` best tags) on the labelled articles ``select`` keeps (all by
    default), and its timing per article and on a 600-word article.

    Returns ``{"articles", "top", "salient_recall", "salient", "precision", "entity_tags", "kind_accuracy",
    "junk", "junk_tags": [names], "overall": {precision, recall, f1} (all tags against all expected tags),
    "groups": {name: {...}}, "kinds": {kind: {...}}, "median_ms", "p95_ms", "words600_ms", "articles_detail":
    {article id: {"salient_missed", "wrong", "kind_errors"}}}``.
    """
    every = load_labelled(folder)
    articles = [a for a in every if select is None or select(a)]
    totals = {"overall": [0, 0, 0], **{name: [0, 0, 0] for name in GROUPS}}
    per_kind = {kind: [0, 0, 0] for kind in KINDS}
    sums = dict.fromkeys(("salient", "salient_named", "entity_tags", "entity_tags_right", "kind_judged"), 0)
    sums["right_kind"] = 0
    timings: list[float] = []
    junk: list[str] = []
    detail: dict[str, dict[str, list[str]]] = {}
    for article in articles:
        clean = clean_body(article["body"])
        for _ in range(repeats):
            started = time.perf_counter()
            tags = extract_tags(article["title"], clean.text, blocked=clean.footer_names)
            timings.append((time.perf_counter() - started) * 1000)
        predicted: list[tuple[str, str]] = [(tag.slug, tag.kind) for tag in tags[:top]]
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
        scored = _score_article(article, tags, clean.text, top)
        for key in sums:
            sums[key] += scored[key]
        junk.extend(scored["junk"])
        detail[article["id"]] = {key: scored[key] for key in ("salient_missed", "wrong", "kind_errors")}
    long_text = clean_body(_article_of_words(every, 600)).text
    long_times = []
    for _ in range(max(repeats, 1) * 4):
        started = time.perf_counter()
        extract_tags("A six-hundred-word article", long_text)
        long_times.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return {
        "articles": len(articles),
        "top": top,
        "salient_recall": round(sums["salient_named"] / sums["salient"], 3) if sums["salient"] else 0.0,
        "salient": sums["salient"],
        "precision": round(sums["entity_tags_right"] / sums["entity_tags"], 3) if sums["entity_tags"] else 0.0,
        "entity_tags": sums["entity_tags"],
        "kind_accuracy": round(sums["right_kind"] / sums["kind_judged"], 3) if sums["kind_judged"] else 0.0,
        "junk": len(junk),
        "junk_tags": junk,
        "overall": _prf(*totals["overall"]),
        "groups": {name: _prf(*totals[name]) for name in GROUPS},
        "kinds": {kind: _prf(*per_kind[kind]) for kind in KINDS},
        "median_ms": round(statistics.median(timings), 2) if timings else 0.0,
        "p95_ms": round(timings[min(len(timings) - 1, int(0.95 * len(timings)))], 2) if timings else 0.0,
        "words600_ms": round(statistics.median(long_times), 2),
        "articles_detail": detail,
    }


def _headline(label: str, result: dict[str, Any]) -> str:
    return (
        f"{label:<22} {result['articles']:>3} articles: salient recall {result['salient_recall']:.3f} "
        f"(of {result['salient']}), precision {result['precision']:.3f} (of {result['entity_tags']}), "
        f"kind accuracy {result['kind_accuracy']:.3f}, junk {result['junk']}"
    )


def main(argv: list[str] | None = None) -> None:
    """Print the figures for the whole set, the ``new`` batch and the rest; ``--verbose`` also lists each article's
    missed salient entities (with their mentions), wrong tags and kind errors."""
    verbose = "--verbose" in (sys.argv[1:] if argv is None else argv)
    result = evaluate()
    new = evaluate(select=lambda a: a.get("batch") == NEW_BATCH, repeats=1)
    fresh = evaluate(select=lambda a: a.get("batch") == FRESH_BATCH, repeats=1)
    rest = evaluate(select=lambda a: a.get("batch") not in (NEW_BATCH, FRESH_BATCH), repeats=1)
    print(f"tagger benchmark: top {result['top']} tags, match by slug (name or alias)")
    print(_headline("whole set", result))
    print(_headline(f"batch '{NEW_BATCH}' (held out)", new))
    print(_headline(f"batch '{FRESH_BATCH}' (held out)", fresh))
    print(_headline("the others", rest))
    print(f"junk tags: {result['junk_tags'][:12]}")
    print(
        f"extract_tags time per article: median {result['median_ms']:.2f} ms, p95 {result['p95_ms']:.2f} ms; "
        f"600-word article {result['words600_ms']:.2f} ms"
    )
    print("all tags against all expected tags (topics included), whole set:")
    rows = [("overall", result["overall"]), *result["groups"].items(), *result["kinds"].items()]
    for name, figures in rows:
        print(
            f"  {name:<26} precision {figures['precision']:.3f}  recall {figures['recall']:.3f}  F1 {figures['f1']:.3f}"
        )
    if verbose:
        seen = {**rest["articles_detail"], **new["articles_detail"]}
        for article_id, found in sorted(seen.items()):
            if any(found.values()):
                print(
                    f"{article_id}: missed {found['salient_missed']}; wrong {found['wrong']}; "
                    f"kinds {found['kind_errors']}"
                )


if __name__ == "__main__":
    main()
