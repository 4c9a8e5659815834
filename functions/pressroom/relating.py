"""Related links: promo headlines matched to published articles, and related articles ranked by shared tags."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

from rapidfuzz import fuzz, utils

from pressroom.ports import IndexHit
from pressroom.text import fold

HEADLINE_CUTOFF = 86.0
COMPUTED_LIMIT = 3


def _normal(headline: str) -> str:
    return utils.default_process(fold(headline))


def headline_score(a: str, b: str) -> float:
    """0-100 similarity of two headlines, tolerant of case, accents, punctuation and reordered words."""
    left, right = _normal(a), _normal(b)
    if not left or not right:
        return 0.0
    return max(fuzz.ratio(left, right), fuzz.token_sort_ratio(left, right))


def match_headline(headline: str, candidates: Iterable[IndexHit], *, exclude_id: str | None = None) -> IndexHit | None:
    """The candidate whose title best matches ``headline`` (at least ``HEADLINE_CUTOFF``), or None."""
    best: tuple[float, IndexHit] | None = None
    for hit in candidates:
        if hit.article_id == exclude_id:
            continue
        score = headline_score(headline, hit.title)
        if score >= HEADLINE_CUTOFF and (best is None or score > best[0]):
            best = (score, hit)
    return best[1] if best else None


def rank_related(
    article_id: str,
    neighbours: Mapping[str, Sequence[IndexHit]],
    *,
    weights: Mapping[str, float] | None = None,
    limit: int = COMPUTED_LIMIT,
    index_depth: int = 50,
) -> list[IndexHit]:
    """The ``limit`` most related articles, given the newest entries of each of the article's tag indexes.

    A shared tag counts ``weight / log2(2 + df)``: a tag carried by few articles (small ``df``, the number of entries
    seen in its index, capped at ``index_depth``) counts more than a common one. Ties go to the newer article.
    The article itself is excluded; drafts, scheduled and withdrawn articles are never in the indexes.
    """
    scores: dict[str, float] = {}
    hits: dict[str, IndexHit] = {}
    for tag_slug, entries in neighbours.items():
        rarity = 1.0 / math.log2(2 + min(len(entries), index_depth))
        weight = (weights or {}).get(tag_slug, 1.0) * rarity
        for hit in entries:
            if hit.article_id == article_id:
                continue
            scores[hit.article_id] = scores.get(hit.article_id, 0.0) + weight
            hits[hit.article_id] = hit
    ranked = sorted(scores, key=lambda aid: (scores[aid], hits[aid].published_at), reverse=True)
    return [hits[aid] for aid in ranked[:limit]]
