"""The stored form of an article (``preparing.encode_article`` / ``decode_article``): part of the feed table's
layout, read back by every later version of the code."""

from __future__ import annotations

import zlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pressroom.models import Article, Tag
from pressroom.ports import index_names
from pressroom.preparing import ARTICLE_ZDICT, ARTICLE_ZDICT_ADLER32, decode_article, encode_article


def _article() -> Article:
    return Article.model_validate(
        {
            "id": "harbour-plan",
            "slug": "harbour-plan-approved",
            "title": "Harbour plan approved",
            "summary": "The council approved the harbour plan on Tuesday.",
            "published_at": "2029-03-01T08:00:00Z",
            "updated_at": "2029-03-01T08:00:00Z",
            "author": ["Ada Byron"],
            "section": "Local News",
            "word_count": 9,
            "reading_time_minutes": 1,
            "tags": [{"name": "Portmere", "slug": "portmere", "kind": "place", "score": 0.5}],
            "body": "<p>The council approved the harbour plan on Tuesday, after a year of talks.</p>",
        }
    )


def test_the_dictionary_is_the_one_stored_documents_name() -> None:
    """Stored documents name the dictionary by checksum: editing it would make them unreadable."""
    assert zlib.adler32(ARTICLE_ZDICT) == ARTICLE_ZDICT_ADLER32
    doc = encode_article(_article())
    assert int.from_bytes(doc[2:6], "big") == ARTICLE_ZDICT_ADLER32


@given(body=st.text(max_size=3_000), title=st.text(min_size=1, max_size=200))
def test_an_article_comes_back_as_it_was_stored(body: str, title: str) -> None:
    article = Article.model_validate(_article().model_dump() | {"body": body, "title": title})
    assert decode_article(encode_article(article)).model_dump(exclude={"url"}) == article.model_dump(exclude={"url"})


def test_documents_stored_before_the_dictionary_still_decode() -> None:
    article = _article()
    legacy = zlib.compress(article.model_dump_json(exclude={"url"}).encode(), 6)
    assert decode_article(legacy) == decode_article(encode_article(article))


def test_the_dictionary_makes_a_news_article_smaller() -> None:
    article = _article()
    plain = zlib.compress(article.model_dump_json(exclude={"url"}).encode(), 9)
    assert len(encode_article(article)) < len(plain) - 100


def test_a_document_naming_an_unknown_dictionary_is_refused_clearly() -> None:
    compressor = zlib.compressobj(9, zdict=b"another dictionary")
    doc = compressor.compress(_article().model_dump_json().encode()) + compressor.flush()
    with pytest.raises(ValueError, match="names dictionary 0x"):
        decode_article(doc)


def test_index_names_are_the_stored_layout_of_an_articles_indexes() -> None:
    """Items of published articles do not store their index names: these derive them, so they must never change."""
    assert index_names(_article()) == ("FEED", "SECTION#local-news", "TAG#portmere", "AUTHOR#ada-byron")
    wire = _article().model_copy(
        update={
            "section": "Sport / Football",
            "author": ["Zoë Lefèvre-Hart", "  ", "Seán Ó Raghallaigh"],
            "tags": [
                Tag(name="Kestrel Rovers", slug="kestrel-rovers", kind="organisation", score=0.9),
                Tag(name="Crème brûlée", slug="creme-brulee", kind="topic", score=0.2),
                Tag(name="Kestrel Rovers", slug="kestrel-rovers", kind="organisation", score=0.1),
            ],
        }
    )
    assert index_names(wire) == (
        "FEED",
        "SECTION#sport-football",
        "TAG#kestrel-rovers",
        "TAG#creme-brulee",
        "AUTHOR#zoe-lefevre-hart",
        "AUTHOR#sean-o-raghallaigh",
    )
