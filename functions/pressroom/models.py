"""The data contracts of Pressroom: the upload format (DESIGN.md), the enriched article and its parts.

Upload models validate what editors send; domain models are what the pipeline stores and the API serves.
They are separate on purpose: an upload is untrusted input, an ``Article`` is clean, derived data.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from functools import cached_property
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    StringConstraints,
    WithJsonSchema,
    model_validator,
)
from pydantic import Tag as UnionTag
from pydantic_core import PydanticCustomError, core_schema

MAX_OBJECT_BYTES = 1024 * 1024
MAX_BODY_CHARS = 200_000
MAX_TITLE_CHARS = 300
MAX_TAGS = 12
MAX_URL_CHARS = 2048
MIN_YEAR = 1900
MAX_YEAR = 2200
ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,79}$"

TagKind = Literal["person", "organisation", "place", "work", "event", "topic", "editorial"]
TagProvenance = Literal["editorial", "extracted", "registry"]
RelatedSource = Literal["promo", "link", "computed"]
Status = Literal["published", "draft", "withdrawn"]

# ---------------------------------------------------------------- character rules
# Regex character-class bodies written with \uXXXX escapes only, so that the same text is a Python `re` pattern and
# an ECMA-262 pattern (what JSON Schema `pattern` means); the validators and the JSON Schema are built from them.

SPACE_CLASS = r"\u0009-\u000d\u001c-\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
"""White space trimmed from one-line fields and URLs: exactly what Python's ``str.strip()`` removes."""
_C0_C1 = r"\u0000-\u001f\u007f-\u009f"
_C0_C1_BUT_TAB_LF_CR = r"\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f"
_BIDI = r"\u202a-\u202e\u2066-\u2069"
_SURROGATES = r"\ud800-\udfff"
LINE_FORBIDDEN = _C0_C1 + r"\u2028\u2029" + _BIDI + _SURROGATES
"""One-line fields: no control characters (tab and line breaks included), no bidi embedding/override/isolate."""
PROSE_FORBIDDEN = _C0_C1_BUT_TAB_LF_CR + _BIDI + _SURROGATES
"""Summary and alt text: tab and line breaks allowed; other controls and bidi controls are not."""
BODY_FORBIDDEN = _C0_C1_BUT_TAB_LF_CR + _SURROGATES
"""The body: tab and line breaks allowed; bidi controls too (right-to-left text may need them)."""


def _describe(char: str) -> str:
    """``U+202E RIGHT-TO-LEFT OVERRIDE (a bidi control: ...)``: which character, and why it is not allowed."""
    code = ord(char)
    if 0xD800 <= code <= 0xDFFF:
        return f"U+{code:04X} (a lone UTF-16 surrogate: half of an escaped emoji or other character)"
    if 0x202A <= code <= 0x202E or 0x2066 <= code <= 0x2069:
        note = "a bidi control: it can make text display in another order than it is stored"
    elif 0x80 <= code <= 0x9F:
        note = "a C1 control character: text converted from Windows-1252 the wrong way?"
    elif char in "\t\n\r\u2028\u2029":
        note = "a line break or tab: this field is one line"
    elif code < 0x20 or code == 0x7F:
        note = "a control character"
    else:
        note = "white space"
    name = unicodedata.name(char, "")
    return f"U+{code:04X}{f' {name}' if name else ''} ({note})"


@dataclass(frozen=True)
class TextRule:
    """Annotated metadata for a text field: characters not allowed, optional trimming and length after trimming.

    Validates with a precise error (``forbidden_character``, ``string_too_short``, ``string_too_long``) and states
    the same rule as the field's JSON Schema, so an editor's schema check gives the pipeline's answer.
    """

    forbidden: str
    min_length: int = 0
    max_length: int | None = None
    trim: bool = False

    @cached_property
    def _forbidden(self) -> re.Pattern[str]:
        return re.compile(f"[{self.forbidden}]")

    def validate(self, value: str) -> str:
        if self.trim:
            value = value.strip()
        if len(value) < self.min_length:
            raise PydanticCustomError(
                "string_too_short",
                "String should have at least {min_length} character{plural}" + (" after trimming" if self.trim else ""),
                {"min_length": self.min_length, "plural": "" if self.min_length == 1 else "s"},
            )
        if self.max_length is not None and len(value) > self.max_length:
            raise PydanticCustomError(
                "string_too_long",
                "String should have at most {max_length} characters" + (" after trimming" if self.trim else ""),
                {"max_length": self.max_length},
            )
        bad = self._forbidden.search(value)
        if bad:
            raise PydanticCustomError(
                "forbidden_character", f"contains {_describe(bad.group())} at position {bad.start() + 1}; remove it"
            )
        return value

    def pattern(self) -> str:
        if not self.trim:
            return f"^[^{self.forbidden}]*$"
        edge, inner = f"[^{SPACE_CLASS}{self.forbidden}]", f"[^{self.forbidden}]"
        span = "*" if self.max_length is None else f"{{0,{self.max_length - 2}}}"
        core = f"{edge}(?:{inner}{span}{edge})?"
        return f"^[{SPACE_CLASS}]*{core if self.min_length else f'(?:{core})?'}[{SPACE_CLASS}]*$"

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(self.validate, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> dict[str, Any]:
        json_schema: dict[str, Any] = {"type": "string", "pattern": self.pattern()}
        if not self.trim:
            json_schema |= {"minLength": self.min_length} if self.min_length else {}
            json_schema |= {"maxLength": self.max_length} if self.max_length is not None else {}
        return json_schema


# ---------------------------------------------------------------- URLs

_URL_CHAR = f"[^{SPACE_CLASS}{LINE_FORBIDDEN}]"
_HOST_CHAR = f"[^{SPACE_CLASS}{LINE_FORBIDDEN}/?#@:\\\\\\[\\]]"
_URL_CORE = rf"[Hh][Tt][Tt][Pp][Ss]?://(?:{_HOST_CHAR}+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{{1,5}})?(?:[/?#]{_URL_CHAR}*)?"
URL_PATTERN = f"^[{SPACE_CLASS}]*(?=[^{SPACE_CLASS}]{{1,{MAX_URL_CHARS}}}[{SPACE_CLASS}]*$){_URL_CORE}[{SPACE_CLASS}]*$"
"""An absolute http(s) URL: a host, an optional port, no user:password@, no spaces or control/bidi characters."""
_URL = re.compile(_URL_CORE)
_URL_FORBIDDEN = re.compile(f"[{SPACE_CLASS}{LINE_FORBIDDEN}]")


def _http_url(value: str) -> str:
    value = value.strip()
    if len(value) > MAX_URL_CHARS:
        raise PydanticCustomError("url_invalid", f"URL is longer than {MAX_URL_CHARS} characters")
    bad = _URL_FORBIDDEN.search(value)
    if bad:
        raise PydanticCustomError(
            "url_invalid", f"URL must not contain spaces or control characters; found {_describe(bad.group())}"
        )
    if not _URL.fullmatch(value):
        scheme, _, rest = value.partition("://")
        authority = re.split(r"[/?#]", rest, maxsplit=1)[0]
        if scheme.lower() in ("http", "https") and "@" in authority:
            raise PydanticCustomError(
                "url_invalid", "URL must not contain a user name or password (user@host): it can disguise the host"
            )
        raise PydanticCustomError(
            "url_invalid",
            "must be an absolute http:// or https:// URL with a host (javascript:, data: and relative URLs are unsafe)",
        )
    return value


# ---------------------------------------------------------------- dates

_YEAR = r"(?:19[0-9]{2}|2[01][0-9]{2}|2200)"
_LEAP_YEAR = (
    r"(?:19(?:0[48]|[2468][048]|[13579][26])|20(?:[02468][048]|[13579][26])|21(?:0[48]|[2468][048]|[13579][26]))"
)
_MONTH_DAY = (
    r"(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])"
    r"|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)"
    r"|02-(?:0[1-9]|1[0-9]|2[0-8]))"
)
_TIME = r"[Tt ](?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\.[0-9]{1,9})?)?"
_OFFSET = r"(?:[Zz]|[+-](?:[01][0-9]|2[0-3])(?::?[0-5][0-9])?)"
_DATE_CORE = rf"(?:{_YEAR}-{_MONTH_DAY}|{_LEAP_YEAR}-02-29)(?:{_TIME}{_OFFSET}?)?"
DATE_PATTERN = f"^[{SPACE_CLASS}]*{_DATE_CORE}[{SPACE_CLASS}]*$"
"""``YYYY-MM-DD`` or ``YYYY-MM-DDThh:mm[:ss[.fraction]][Z|±hh[:mm]]`` of a real calendar day, year 1900-2200."""
_DATE = re.compile(_DATE_CORE)
_DATE_SHAPE = re.compile(
    r"(?P<year>[0-9]{4})-(?P<month>[0-9]{2})-(?P<day>[0-9]{2})"
    r"(?:[Tt ](?P<hour>[0-9]{2}):(?P<minute>[0-9]{2})(?::(?P<second>[0-9]{2})(?:\.(?P<fraction>[0-9]{1,9}))?)?"
    r"(?P<offset>[Zz]|(?P<sign>[+-])(?P<off_hours>[0-9]{2})(?::?(?P<off_minutes>[0-9]{2}))?)?)?"
)
_DATE_FORMS = "use e.g. 2026-11-25, 2026-11-25T09:30:00Z or 2026-11-25T09:30:00+01:00"


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:57]}..."


def _date_format_error(value: str) -> PydanticCustomError:
    return PydanticCustomError(
        "date_format", f"{_shown(value)} is not an ISO 8601 date or date-time of a real day; {_DATE_FORMS}"
    )


def _date_range_error(value: object) -> PydanticCustomError:
    return PydanticCustomError(
        "date_out_of_range", f"{_shown(value)} is out of range: the year must be from {MIN_YEAR} to {MAX_YEAR}"
    )


def _utc_datetime(value: Any) -> datetime:
    """An ISO 8601 date or date-time of the ``DATE_PATTERN`` grammar -> aware UTC datetime.

    A bare date means midnight UTC, a time without offset means UTC. The year as written must be 1900-2200."""
    if isinstance(value, date):
        if not MIN_YEAR <= value.year <= MAX_YEAR:
            raise _date_range_error(value)
        parsed = value if isinstance(value, datetime) else datetime(value.year, value.month, value.day)
        return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)
    if not isinstance(value, str):
        raise PydanticCustomError("date_format", f"must be an ISO 8601 date or date-time string; {_DATE_FORMS}")
    text = value.strip()
    shape = _DATE_SHAPE.fullmatch(text)
    if shape is None:
        raise _date_format_error(value)
    if not MIN_YEAR <= int(shape["year"]) <= MAX_YEAR:
        raise _date_range_error(value)
    if not _DATE.fullmatch(text):
        raise _date_format_error(value)
    tz = UTC
    if shape["sign"]:
        offset = timedelta(hours=int(shape["off_hours"]), minutes=int(shape["off_minutes"] or 0))
        tz = timezone(-offset if shape["sign"] == "-" else offset)
    parsed = datetime(
        int(shape["year"]),
        int(shape["month"]),
        int(shape["day"]),
        int(shape["hour"] or 0),
        int(shape["minute"] or 0),
        int(shape["second"] or 0),
        int((shape["fraction"] or "0").ljust(6, "0")[:6]),
        tz,
    )
    return parsed.astimezone(UTC)


def _trimmed(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


HttpUrl = Annotated[
    str,
    StringConstraints(strict=True),
    AfterValidator(_http_url),
    WithJsonSchema({"type": "string", "pattern": URL_PATTERN}),
]
UtcDateTime = Annotated[
    datetime, BeforeValidator(_utc_datetime), WithJsonSchema({"type": "string", "pattern": DATE_PATTERN})
]
Text = Annotated[str, StringConstraints(strict=True, strip_whitespace=True)]
Title = Annotated[str, StringConstraints(strict=True), TextRule(LINE_FORBIDDEN, 1, MAX_TITLE_CHARS, trim=True)]
ArticleId = Annotated[str, StringConstraints(strict=True, pattern=ID_PATTERN)]
Slug = Annotated[str, StringConstraints(strict=True, pattern=r"^[a-z0-9][a-z0-9-]{0,119}$")]
TagName = Annotated[str, StringConstraints(strict=True), TextRule(LINE_FORBIDDEN, 1, 100, trim=True)]
Body = Annotated[str, StringConstraints(strict=True), TextRule(BODY_FORBIDDEN, 1, MAX_BODY_CHARS)]
AuthorName = Annotated[str, StringConstraints(strict=True), TextRule(LINE_FORBIDDEN, 0, 200, trim=True)]
AuthorListName = Annotated[str, StringConstraints(strict=True), TextRule(LINE_FORBIDDEN, 1, 200, trim=True)]
AuthorNames = Annotated[list[AuthorListName], Field(max_length=20)]
Section = Annotated[str, StringConstraints(strict=True), TextRule(LINE_FORBIDDEN, 0, 60, trim=True)]
Summary = Annotated[str, StringConstraints(strict=True), TextRule(PROSE_FORBIDDEN, 0, 1000)]
AltText = Annotated[str, StringConstraints(strict=True), TextRule(PROSE_FORBIDDEN, 0, 500)]

_ONE_LINE = (
    "One line: control characters (U+0000-U+001F, U+007F-U+009F, tab and line breaks included), "
    "U+2028/U+2029 and the bidi controls U+202A-U+202E, U+2066-U+2069 are rejected, not stripped."
)
_URL_RULE = (
    f"Absolute http:// or https:// URL with a host, at most {MAX_URL_CHARS} characters after trimming; "
    "no user:password@, spaces, control or bidi characters (javascript:, data:, ftp: and relative URLs are rejected)."
)
_DATE_RULE = (
    "ISO 8601 date `YYYY-MM-DD` (midnight UTC) or date-time `YYYY-MM-DDThh:mm[:ss[.fraction]]` (T, t or a space) "
    "with an optional `Z` or `+hh:mm`/`+hhmm`/`+hh` offset (none means UTC); a real calendar day, year "
    f"{MIN_YEAR}-{MAX_YEAR}."
)
_PROSE = (
    "Tab and line breaks are allowed; other control characters (U+0000-U+001F, U+007F-U+009F) and the bidi "
    "controls U+202A-U+202E, U+2066-U+2069 are rejected."
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=False, defer_build=True)


class LinkIn(_Strict):
    """An editor-chosen related link."""

    title: Title = Field(description=f"Link text shown to readers, 1-300 characters after trimming. {_ONE_LINE}")
    url: HttpUrl = Field(description=_URL_RULE)


class Image(_Strict):
    url: HttpUrl = Field(description=f"The image. {_URL_RULE}")
    alt: AltText = Field(default="", description=f"Alternative text, at most 500 characters. {_PROSE}")


def _upload_schema(schema: dict[str, Any]) -> None:
    """The ``date`` alias in the JSON Schema (exactly one of ``published_at`` and ``date``) and an example."""
    properties = schema.pop("properties")
    published_at = properties["published_at"]
    schema["properties"] = {}
    for name, prop in properties.items():
        schema["properties"][name] = prop
        if name == "published_at":
            schema["properties"]["date"] = {**published_at, "title": "Date", "description": "Alias of `published_at`."}
    schema["required"] = [name for name in schema["required"] if name != "published_at"]
    schema["oneOf"] = [{"required": ["published_at"]}, {"required": ["date"]}]
    schema["examples"] = [
        {
            "title": "Harbour lights festival returns to Portmere",
            "body": "The festival returns this weekend.\n\nOrganisers expect 40,000 visitors.",
            "published_at": "2026-11-25T09:30:00Z",
            "section": "entertainment",
            "tags": ["festivals"],
        }
    ]


def _author_kind(value: Any) -> str:
    return "names" if isinstance(value, list) else "name"


class ArticleUpload(_Strict):
    """The upload contract: one article as an editor or CMS puts it at ``incoming/<id>.json`` (DESIGN.md)."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        populate_by_name=True,
        title="Pressroom article upload",
        json_schema_extra=_upload_schema,
    )

    title: Title = Field(description=f"Headline, 1-300 characters after trimming. {_ONE_LINE}")
    body: Body = Field(
        description="Plain text with blank-line paragraphs, or HTML (sanitised to a safe subset); 1-200000 "
        "characters. Tab and line breaks are allowed, other control characters (U+0000-U+001F, U+007F-U+009F) "
        "are rejected; bidi controls are kept (right-to-left text may need them)."
    )
    published_at: UtcDateTime = Field(
        validation_alias=AliasChoices("published_at", "date"),
        description=f"{_DATE_RULE} `date` is accepted as an alias (give one of the two). A future time means "
        "scheduled.",
    )
    updated_at: UtcDateTime | None = Field(
        default=None, description=f"{_DATE_RULE} Orders versions: older never overwrites newer."
    )
    id: ArticleId | None = Field(default=None, description="Default: the object key's file name, slugified.")
    slug: Slug | None = Field(default=None, description="Default: from the title; unique in the feed.")
    author: (
        Annotated[
            Annotated[AuthorName, UnionTag("name")]
            | Annotated[list[AuthorListName], Field(max_length=20), UnionTag("names")],
            Discriminator(_author_kind),
        ]
        | None
    ) = Field(
        default=None,
        description=f"One name (at most 200 characters) or a list of at most 20 non-empty names. {_ONE_LINE}",
    )
    section: Section | None = Field(default=None, description=f"At most 60 characters after trimming. {_ONE_LINE}")
    summary: Summary | None = Field(
        default=None, description=f"At most 1000 characters; default derived from the body. {_PROSE}"
    )
    tags: list[TagName] = Field(
        default_factory=list,
        max_length=50,
        description=f"Editorial tags (at most 50), each 1-100 characters after trimming. {_ONE_LINE}",
    )
    links: list[LinkIn] = Field(default_factory=list, max_length=20, description="Editor-chosen related links.")
    image: Image | None = None
    canonical_url: HttpUrl | None = Field(default=None, description=_URL_RULE)
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
    """The JSON Schema of the upload format, as printed by ``pressroom schema`` and committed in ``schema/``.

    Its patterns are ECMA-262 (with the ``u`` flag, as JSON Schema validators use) and Python ``re`` alike and state
    the validators' rules exactly; what a schema cannot state (duplicate keys, the 1 MiB object size, numbers too
    long to convert) is listed in tests/unit/test_schema.py."""
    schema = ArticleUpload.model_json_schema(mode="validation", by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


# ---------------------------------------------------------------- domain: the enriched article


class _Domain(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)


def _provenance_always_served(schema: dict[str, Any]) -> None:
    schema["required"] = [*schema.get("required", []), "provenance"]


class Tag(_Domain):
    model_config = ConfigDict(extra="ignore", frozen=True, json_schema_extra=_provenance_always_served)

    name: str = Field(description="Display name, e.g. `Zoë Saldaña`.")
    slug: str = Field(description="URL-safe key, e.g. `zoe-saldana`.")
    kind: TagKind
    score: float = Field(ge=0, description="Relevance, higher first.")
    provenance: TagProvenance = Field(
        default="extracted",
        description="Who decided the tag as served: `editorial` (the upload's `tags`, as given), `extracted` (the "
        "tagger, as found) or `registry` (the newsroom's tag registry rewrote it: an alias resolved to its canonical "
        "tag, a rename, or a kind an editor set).",
    )

    @model_validator(mode="before")
    @classmethod
    def _provenance_from_kind(cls, data: Any) -> Any:
        """A tag stored before provenance existed (or built without one): an ``editorial`` kind is the editor's."""
        if isinstance(data, dict) and "provenance" not in data and data.get("kind") == "editorial":
            return {**data, "provenance": "editorial"}
        return data


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
    """The public URL of an article: its HTML page, ``<base>/news/<slug>`` (``/articles/<slug>`` is the JSON)."""
    return f"{base_url.rstrip('/')}/news/{slug}"
