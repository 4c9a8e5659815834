"""From the bytes of an upload to an enriched article, or a rejection: the one code path that the pipeline and
``pressroom validate`` share, so both give the same verdict for every input.

Everything here is pure and deterministic: for a given input (and tag rules) it fails the same way every time, so any
failure is the input's (an ``UploadRejected`` with a report), never a fault to retry. The newsroom's tag rules
(``pressroom.registry``) are an input like the upload: the caller reads them (the pipeline from the feed table, the
offline ``pressroom validate`` has none). Only the steps that need the feed table (related links, the final slug)
come later, in ``services``.
"""

from __future__ import annotations

import hashlib
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pressroom import cleaning, registry, relating, tagging, text
from pressroom.cleaning import CleanBody, clean_body, count_words, derive_summary, reading_time_minutes
from pressroom.models import MAX_TAGS, Article, ArticleUpload, RelatedLink, Tag
from pressroom.parsing import ErrorDetail, UploadRejected, parse_upload
from pressroom.ports import ArticleTooLarge
from pressroom.registry import NO_RULES, TagRules
from pressroom.tagging import extract_tags

MAX_CLOCK_SKEW = timedelta(minutes=15)
MAX_STORED_BYTES = 350_000


def _enrichment_version() -> str:
    """A digest of the code that derives an article from its upload: a change to any of it is a new version, which
    ``pressroom reindex --only-stale`` applies to the stored articles enriched by an older one."""
    digest = hashlib.sha256()
    for module in (cleaning, tagging, relating, text, registry):
        digest.update(Path(str(module.__file__)).read_bytes())
    digest.update(Path(__file__).read_bytes())
    return digest.hexdigest()[:12]


ENRICHMENT_VERSION = _enrichment_version()
RULED_EXTRACTION = 2 * MAX_TAGS
"""How many tags the tagger offers when tag rules apply: enough for blocked and merged ones to leave room for the
next best, of which ``MAX_TAGS`` are kept."""


def enrichment_with(code: str, rules: TagRules) -> str:
    """The enrichment version of an article enriched by ``code`` under ``rules``: the code's version alone while no
    rules were ever saved, else with the rules' version (``<code>+tags<n>``), so that a registry edit makes every
    article enriched before it stale for ``pressroom reindex --only-stale``."""
    return code if rules.version == 0 else f"{code}+tags{rules.version}"


@dataclass(frozen=True)
class Prepared:
    """A valid upload with its cleaned body and tags: all that enrichment derives from the upload alone."""

    upload: ArticleUpload
    clean: CleanBody
    tags: list[Tag]
    updated_at: datetime


def prepare(data: bytes, key: str, *, uploaded_at: datetime, rules: TagRules = NO_RULES) -> Prepared:
    """Parse, validate and enrich the bytes of ``key``, uploaded (S3 ``LastModified``) at ``uploaded_at``, with the
    newsroom's tag ``rules`` (none by default).

    Raises ``UploadRejected`` for anything wrong with the input: the upload contract, times too far ahead of the
    upload (an ``updated_at`` in the future would lock the article against every correction), an article too large
    to store, text that cannot be stored (lone surrogates), or a failure of enrichment itself."""
    return enrich(parse_upload(data, key), uploaded_at=uploaded_at, rules=rules)


def enrich(upload: ArticleUpload, *, uploaded_at: datetime, rules: TagRules = NO_RULES) -> Prepared:
    """``prepare`` for an upload parsed already (the pipeline parses first, to skip duplicates before enriching).

    Tags are the tagger's (the editor's ``tags`` first) under ``rules`` (``TagRules.apply``): aliases resolved to
    their canonical tag, blocked tags left out, editors' kinds and names; each tag carries its provenance."""
    check_times(upload, uploaded_at)
    try:
        clean = clean_body(upload.body)
        offered = MAX_TAGS if rules.empty else RULED_EXTRACTION
        found = extract_tags(upload.title, clean.text, upload.tags, limit=offered, blocked=clean.footer_names)
        tags = rules.apply(found, limit=MAX_TAGS)
        prepared = Prepared(upload, clean, tags, upload.updated_at or uploaded_at.astimezone(UTC))
        encode_article(build_article(prepared, [], slug=upload.slug or upload.article_id))
    except ArticleTooLarge as e:
        raise UploadRejected([ErrorDetail("body", f"{e}; shorten the body", "too_large")]) from None
    except Exception as e:  # noqa: BLE001 - pure code on this input: it would fail the same way on every retry
        raise UploadRejected(
            [ErrorDetail("$", f"the article could not be enriched ({type(e).__name__}: {e})", "enrichment_failed")]
        ) from None
    return prepared


def check_times(upload: ArticleUpload, uploaded_at: datetime) -> None:
    """Reject times too far ahead of the upload (its S3 ``LastModified``): the first check of ``enrich``."""
    errors = []
    if upload.updated_at and upload.updated_at > uploaded_at + MAX_CLOCK_SKEW:
        errors.append(
            ErrorDetail(
                "updated_at",
                f"{upload.updated_at:%Y-%m-%dT%H:%M:%SZ} is after the upload time "
                f"({uploaded_at.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}); an updated_at in the future would make every "
                "later correction look older. Use the time of the edit, or leave updated_at out",
                "future",
            )
        )
    if errors:
        raise UploadRejected(errors)


def build_article(prepared: Prepared, related: list[RelatedLink], *, slug: str) -> Article:
    upload, clean = prepared.upload, prepared.clean
    words = count_words(clean.text)
    return Article(
        id=upload.article_id,
        slug=slug,
        title=upload.title,
        summary=(upload.summary or "").strip() or derive_summary(clean.text),
        body=clean.html,
        published_at=upload.published_at,
        updated_at=prepared.updated_at,
        author=upload.authors,
        section=upload.section.strip() if upload.section else None,
        language=upload.language,
        word_count=words,
        reading_time_minutes=reading_time_minutes(words),
        tags=prepared.tags,
        related=related,
        image=upload.image,
        canonical_url=upload.canonical_url,
        status=upload.status,
    )


ARTICLE_ZDICT = (
    " the of and to in a is that for on was with he it as his at by said from are be this has have had not but which"
    " they were an their who will its been after more one would also there she her over than all when new two up"
    " about year years people could first into out last time council \u201c \u201d \u2019 \u2013 \u00a3 Monday"
    " Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May June July August September"
    " October November December<p><em></em><strong></strong></p><h2></h2><ul><li></li></ul><blockquote></blockquote>"
    '<a href="https://{"id":"","slug":"","title":"","summary":"","published_at":"20","updated_at":"20","author":[""],'
    '"section":"news","language":"en","word_count":,"reading_time_minutes":,"tags":['
    '{"name":"","slug":"","kind":"topic","score":0.","provenance":"registry"},'
    '{"name":"","slug":"","kind":"place","score":0.","provenance":"extracted"},'
    '{"name":"","slug":"","kind":"organisation","score":0.","provenance":"extracted"},'
    '{"name":"","slug":"","kind":"person","score":0.","provenance":"extracted"},'
    '{"name":"","slug":"","kind":"editorial","score":1.0,"provenance":"editorial"}],'
    '"image":{"url":"https://","alt":""},"body":"<p>","related":[{"title":"","url":null,"slug":"","source":"promo"},'
    '{"title":"","url":null,"slug":"","source":"tag"}],"canonical_url":null,"status":"published"}'
).encode()
"""The preset dictionary of stored articles (zlib's ``zdict``): an article's JSON skeleton and common words of news
prose, ~210 bytes off a typical article, which keeps most articles within two write units. Part of the stored
layout: a stored document names its dictionary by checksum (``ARTICLE_ZDICT_ADLER32``), so a new dictionary must be
added beside this one, never written over it."""
ARTICLE_ZDICT_ADLER32 = 0xA5F6B4A7
_ZDICTS = {ARTICLE_ZDICT_ADLER32: ARTICLE_ZDICT}  # by the checksum a stream names (RFC 1950: DICTID)
_FDICT = 0x20  # the zlib header flag of a stream compressed with a preset dictionary


def encode_article(article: Article) -> bytes:
    """The stored form of ``article``: JSON without the URL (built when served), zlib-compressed with
    ``ARTICLE_ZDICT``. Raises ``ArticleTooLarge`` when it would not fit in one feed-table item."""
    compressor = zlib.compressobj(9, zdict=ARTICLE_ZDICT)
    doc = compressor.compress(article.model_dump_json(exclude={"url"}).encode()) + compressor.flush()
    if len(doc) > MAX_STORED_BYTES:
        raise ArticleTooLarge(f"the article is {len(doc):,} bytes compressed; the limit is {MAX_STORED_BYTES:,}")
    return doc


def decode_article(doc: bytes) -> Article:
    """The article of a stored document: ``encode_article``'s, or plain zlib (as stored before the dictionary)."""
    if len(doc) > 1 and doc[1] & _FDICT:
        name = int.from_bytes(doc[2:6], "big")
        if name not in _ZDICTS:
            raise ValueError(f"the stored article names dictionary {name:#010x}, which this code does not know")
        decompressor = zlib.decompressobj(zdict=_ZDICTS[name])
        data = decompressor.decompress(doc) + decompressor.flush()
    else:
        data = zlib.decompress(doc)
    return Article.model_validate_json(data)
