"""Related articles by shared tags: how much each shared tag weighs, and when sharing is not enough."""

from __future__ import annotations

import pytest

from pressroom.models import Tag
from pressroom.ports import IndexHit
from pressroom.relating import MIN_SHARED_WEIGHT, TOPIC_WEIGHT_CAP, rank_related, tag_weights
from pressroom.text import slugify


def tag(name: str, kind: str, score: float) -> Tag:
    return Tag(name=name, slug=slugify(name), kind=kind, score=score)  # type: ignore[arg-type]


def hit(article_id: str, day: int = 1) -> IndexHit:
    return IndexHit(article_id, article_id, article_id.title(), f"2020-03-{day:02d}")


def test_weights_are_the_salience_of_each_tag_with_topics_capped_and_editorial_tags_full() -> None:
    tags = [
        tag("Orla Quint", "person", 0.8),
        tag("Vesper Rovers", "organisation", 0.4),
        tag("University of Tarn", "organisation", 0.08),
        tag("Football", "topic", 0.6),
        tag("Cup run", "editorial", 1.0),
    ]
    weights = tag_weights(tags)
    assert weights["orla-quint"] == 1.0
    assert weights["vesper-rovers"] == pytest.approx(0.5)
    assert weights["university-of-tarn"] == pytest.approx(0.1)
    assert weights["football"] == TOPIC_WEIGHT_CAP
    assert weights["cup-run"] == 1.0
    assert tag_weights([]) == {}


def test_one_weak_shared_tag_alone_does_not_relate_two_articles() -> None:
    mine = [tag("Orla Quint", "person", 1.0), tag("University of Tarn", "organisation", 0.1)]
    neighbours = {"orla-quint": [hit("me")], "university-of-tarn": [hit("me"), hit("unrelated")]}
    assert rank_related("me", neighbours, weights=tag_weights(mine)) == []


def test_one_strong_shared_tag_relates_and_several_weak_ones_together_may() -> None:
    mine = [
        tag("Orla Quint", "person", 1.0),
        tag("Tarn", "place", 0.2),
        tag("Ledger Prize", "event", 0.2),
        tag("Mira Holt", "person", 0.2),
    ]
    neighbours = {
        "orla-quint": [hit("me"), hit("about-quint", 2)],
        "tarn": [hit("three-weak", 3), hit("one-weak", 4)],
        "ledger-prize": [hit("three-weak", 3)],
        "mira-holt": [hit("three-weak", 3)],
    }
    ranked = [h.article_id for h in rank_related("me", neighbours, weights=tag_weights(mine))]
    assert ranked == ["about-quint", "three-weak"]
    assert 3 * 0.2 >= MIN_SHARED_WEIGHT > 0.2


def test_a_shared_topic_alone_is_not_enough_but_adds_to_a_name() -> None:
    mine = [tag("Orla Quint", "person", 1.0), tag("Vesper Rovers", "organisation", 0.3), tag("Football", "topic", 0.6)]
    neighbours = {
        "football": [hit("other-match", 1), hit("rovers-match", 2)],
        "vesper-rovers": [hit("rovers-match", 2)],
    }
    ranked = [h.article_id for h in rank_related("me", neighbours, weights=tag_weights(mine))]
    assert ranked == ["rovers-match"]


def test_rarer_shared_tags_rank_first_among_related_articles() -> None:
    common = [hit(f"c{i}", i + 1) for i in range(20)]
    neighbours = {"common-name": common, "rare-name": [hit("rare", 1)]}
    weights = {"common-name": 1.0, "rare-name": 1.0}
    ranked = rank_related("me", neighbours, weights=weights, limit=3)
    assert [h.article_id for h in ranked] == ["rare", "c19", "c18"]
