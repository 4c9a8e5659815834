"""The data contracts of Pressroom: the upload format (DESIGN.md), the enriched article and its parts.

Upload models validate what editors send; domain models are what the pipeline stores and the API serves.
They are separate on purpose: an upload is untrusted input, an ``Article`` is clean, derived data.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
)

MAX_OBJECT_BYTES = 1024 * 1024
MAX_BODY_CHARS = 200_000
MAX_TITLE_CHARS = 300
MAX_TAGS = 12
ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,79}$"

TagKind = Literal["person", "organisation", "place", "work", "event", "topic", "editorial"]
RelatedSource = Literal["promo", "link", "computed"]
Status = Literal["published", "draft", "withdrawn"]


def _http_url(value: str) -> str:
    value = value.strip()
    if len(value) > 2048:
        raise ValueError("URL is longer than 2048 characters")
    if any(ch.isspace() or ord(ch) < 32 for ch in value):
        raise ValueError("URL must not contain spaces or control characters")
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValueError(
            "must be an absolute http:// or https:// URL (javascript:, data: and relative URLs are unsafe)"
        )
    return value


def _utc_datetime(value: Any) -> datetime:
    """ISO 8601 date or date-time -> aware UTC datetime; a bare date means midnight UTC, a naive time means UTC."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        text = value.strip()
        try:
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
                parsed = datetime.fromisoformat(text)
            else:
                parsed = datetime.fromisoformat(text.replace("z", "Z"))
        except ValueError:
            raise ValueError(
                f"{value!r} is not an ISO 8601 date or date-time; use e.g. 2026-11-25 or 2026-11-25T09:30:00Z"
            ) from None
    else:
        raise ValueError("must be an ISO 8601 date or date-time string, e.g. 2026-11-25T09:30:00Z")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _trimmed(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


HttpUrl = Annotated[str, StringConstraints(strict=True), AfterValidator(_http_url)]
UtcDateTime = Annotated[datetime, BeforeValidator(_utc_datetime)]
Text = Annotated[str, StringConstraints(strict=True, strip_whitespace=True)]
Title = Annotated[
    str, BeforeValidator(_trimmed), StringConstraints(strict=True, min_length=1, max_length=MAX_TITLE_CHARS)
]
ArticleId = Annotated[str, StringConstraints(strict=True, pattern=ID_PATTERN)]
Slug = Annotated[str, StringConstraints(strict=True, pattern=r"^[a-z0-9][a-z0-9-]{0,119}$")]
TagName = Annotated[str, BeforeValidator(_trimmed), StringConstraints(strict=True, min_length=1, max_length=100)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=False)


class LinkIn(_Strict):
    """An editor-chosen related link."""

    title: Title = Field(description="Link text shown to readers.")
    url: HttpUrl = Field(description="Absolute http(s) URL.")


class Image(_Strict):
    url: HttpUrl = Field(description="Absolute http(s) URL of the image.")
    alt: Annotated[str, StringConstraints(strict=True, max_length=500)] = Field(
        default="", description="Alternative text."
    )


class ArticleUpload(_Strict):
    """The upload contract: one article as an editor or CMS puts it at ``incoming/<id>.json`` (DESIGN.md)."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        populate_by_name=True,
        title="Pressroom article upload",
        json_schema_extra={
            "examples": [
                {
                    "title": "Harbour lights festival returns to Portmere",
                    "body": "The festival returns this weekend.\n\nOrganisers expect 40,000 visitors.",
                    "published_at": "2026-11-25T09:30:00Z",
                    "section": "entertainment",
                    "tags": ["festivals"],
                }
            ]
        },
    )

    title: Title = Field(description="Headline, 1-300 characters after trimming.")
    body: Annotated[str, StringConstraints(strict=True, min_length=1, max_length=MAX_BODY_CHARS)] = Field(
        description="Plain text with blank-line paragraphs, or HTML (sanitised to a safe subset)."
    )
    published_at: UtcDateTime = Field(
        validation_alias=AliasChoices("published_at", "date"),
        description="ISO 8601 date or date-time (`date` is accepted as an alias). A future time means scheduled.",
    )
    updated_at: UtcDateTime | None = Field(default=None, description="Orders versions: older never overwrites newer.")
    id: ArticleId | None = Field(default=None, description="Default: the object key's file name, slugified.")
    slug: Slug | None = Field(default=None, description="Default: from the title; unique in the feed.")
    author: (
        Annotated[str, StringConstraints(strict=True, max_length=200)]
        | Annotated[
            list[Annotated[str, StringConstraints(strict=True, min_length=1, max_length=200)]], Field(max_length=20)
        ]
        | None
    ) = Field(default=None, description="One name or a list of at most 20.")
    section: Annotated[str, StringConstraints(strict=True, max_length=60)] | None = None
    summary: Annotated[str, StringConstraints(strict=True, max_length=1000)] | None = None
    tags: list[TagName] = Field(default_factory=list, max_length=50, description="Editorial tags (at most 50).")
    links: list[LinkIn] = Field(default_factory=list, max_length=20, description="Editor-chosen related links.")
    image: Image | None = None
    canonical_url: HttpUrl | None = None
    language: Annotated[str, StringConstraints(strict=True, pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")] = "en"
    status: Status = "published"

    @property
    def article_id(self) -> str:
        """The id, which ``parse_upload`` always resolves (from the file name when the upload has none)."""
        if self.id is None:
            raise ValueError("the upload has no id; parse it with pressroom.parsing.parse_upload")
        return self.id

    @property
    def authors(self) -> list[str]:
        if self.author is None:
            return []
        names = [self.author] if isinstance(self.author, str) else self.author
        return [n.strip() for n in names if n.strip()]


def upload_json_schema() -> dict[str, Any]:
    """The JSON Schema of the upload format, as printed by ``pressroom schema`` and committed in ``schema/``."""
    schema = ArticleUpload.model_json_schema(mode="validation", by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


# ---------------------------------------------------------------- domain: the enriched article


class _Domain(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Tag(_Domain):
    name: str = Field(description="Display name, e.g. `Zoë Saldaña`.")
    slug: str = Field(description="URL-safe key, e.g. `zoe-saldana`.")
    kind: TagKind
    score: float = Field(ge=0, description="Relevance, higher first.")


class RelatedLink(_Domain):
    title: str
    url: str | None = Field(description="Absolute URL; null only for a promo not (yet) resolved.")
    slug: str | None = Field(default=None, description="Slug of the related Pressroom article, if it is one.")
    source: RelatedSource


class Promo(_Domain):
    """An inline promo line (`WATCH: …`, `MORE: …`) taken out of the body: a related-link candidate."""

    label: str = Field(description="WATCH, MORE, READ or RELATED.")
    headline: str


class ArticleSummary(_Domain):
    """An article as it appears in lists and feed indexes (no body, no related links)."""

    id: str
    slug: str
    url: str = Field(default="", description="Public URL; filled in from the public base URL when served.")
    title: str
    summary: str
    published_at: datetime
    updated_at: datetime
    author: list[str] = Field(default_factory=list)
    section: str | None = None
    language: str = "en"
    word_count: int
    reading_time_minutes: int
    tags: list[Tag] = Field(default_factory=list)
    image: Image | None = None


class Article(ArticleSummary):
    """A published (or stored) article: the upload enriched by the pipeline."""

    body: str = Field(description="Sanitised HTML.")
    related: list[RelatedLink] = Field(default_factory=list)
    canonical_url: str | None = None
    status: Status = "published"

    def summary_view(self) -> ArticleSummary:
        return ArticleSummary.model_validate(self.model_dump(include=set(ArticleSummary.model_fields)))

    def with_urls(self, base_url: str) -> Article:
        """A copy with ``url`` and the related links' ``url`` built from the public base URL."""
        related = [
            link.model_copy(update={"url": article_url(base_url, link.slug)}) if link.slug else link
            for link in self.related
        ]
        return self.model_copy(update={"url": article_url(base_url, self.slug), "related": related})


def article_url(base_url: str, slug: str) -> str:
    return f"{base_url.rstrip('/')}/articles/{slug}"
