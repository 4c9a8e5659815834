"""The expected verdict of every file in ``tests/corpus/files/``: rejected (with which error) or published.

Shared by the corpus test (through the ingest handler) and the JSON Schema test (schema verdict == pipeline verdict).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

FILES_DIR = Path(__file__).parent / "files"


@dataclass(frozen=True)
class Rejected:
    """The report must hold an error of this ``type`` whose ``msg`` contains ``fragment`` (at ``loc``, if given)."""

    type: str
    fragment: str
    loc: str | None = None


PUBLISHED = "published"

FILES: dict[str, Rejected | str] = {
    # empty, wrong shape, wrong encoding
    "empty.json": Rejected("empty", "empty", "$"),
    "whitespace.json": Rejected("empty", "empty", "$"),
    "null.json": Rejected("object_type", "got null", "$"),
    "array.json": Rejected("object_type", "got array", "$"),
    "utf16.json": Rejected("encoding", "UTF-16", "$"),
    "utf16-no-bom.json": Rejected("encoding", "UTF-16", "$"),
    "invalid-utf8.json": Rejected("encoding", "not valid UTF-8", "$"),
    "windows-1252.json": Rejected("encoding", "Windows-1252", "$"),
    "nul-bytes.json": Rejected("encoding", "NUL", "$"),
    # another format saved as .json
    "gzip.json": Rejected("compressed", "gzip", "$"),
    "docx-saved-as.json": Rejected("compressed", "zip", "$"),
    "pdf-saved-as.json": Rejected("binary", "PDF", "$"),
    "rtf-saved-as.json": Rejected("binary", "RTF", "$"),
    "csv-saved-as.json": Rejected("json_invalid", "CSV", "$"),
    "html-saved-as.json": Rejected("json_invalid", "HTML", "$"),
    # hand-written JSON mistakes
    "trailing-comma.json": Rejected("json_invalid", "comma", "$"),
    "single-quotes.json": Rejected("json_invalid", "double quotes", "$"),
    "smart-quotes-keys.json": Rejected("json_invalid", "curly quotes", "$"),
    "json-with-comments.json": Rejected("json_invalid", "no comments", "$"),
    "two-documents.json": Rejected("json_invalid", "Extra data", "$"),
    "nan.json": Rejected("json_invalid", "NaN", "$"),
    "big-int.json": Rejected("json_invalid", "5,000 digits", "$"),
    "duplicate-keys.json": Rejected("duplicate_key", "'title'", "title"),
    "duplicate-nested-keys.json": Rejected("duplicate_key", "'url'", "links.0.url"),
    # invalid Unicode and hidden characters
    "lone-surrogate-title.json": Rejected("unicode_surrogate", "surrogate", "title"),
    "lone-surrogate-tag.json": Rejected("unicode_surrogate", "surrogate", "tags.1"),
    "lone-surrogate-field-name.json": Rejected("unicode_surrogate", "field name", "ti\\ud800tle"),
    "bidi-override-title.json": Rejected("forbidden_character", "U+202E", "title"),
    "bidi-isolate-tag.json": Rejected("forbidden_character", "U+2066", "tags.0"),
    "control-char-title.json": Rejected("forbidden_character", "U+0007", "title"),
    "control-char-body.json": Rejected("forbidden_character", "U+000B", "body"),
    "c1-mojibake-author.json": Rejected("forbidden_character", "Windows-1252", "author"),
    "newline-in-title.json": Rejected("forbidden_character", "U+000A", "title"),
    # fields
    "numbers-for-strings.json": Rejected("string_type", "valid string", "title"),
    "all-null.json": Rejected("string_type", "valid string", "title"),
    "title-only-spaces.json": Rejected("string_too_short", "after trimming", "title"),
    "tags-one-empty-string.json": Rejected("string_too_short", "at least 1", "tags.0"),
    "status-capitalised.json": Rejected("literal_error", "'published'", "status"),
    "dotdot-id.json": Rejected("string_pattern_mismatch", "a-z, 0-9", "id"),
    "javascript-url.json": Rejected("url_invalid", "http", "links.0.url"),
    "data-url.json": Rejected("url_invalid", "http", "image.url"),
    "ftp-url.json": Rejected("url_invalid", "http", "canonical_url"),
    "url-with-credentials.json": Rejected("url_invalid", "user name or password", "links.0.url"),
    # dates
    "offset-overflow-min.json": Rejected("date_out_of_range", "1900", "published_at"),
    "offset-overflow-max.json": Rejected("date_out_of_range", "2200", "updated_at"),
    "published-1850.json": Rejected("date_out_of_range", "1900", "published_at"),
    "published-2300.json": Rejected("date_out_of_range", "2200", "published_at"),
    "updated-1850.json": Rejected("date_out_of_range", "1900", "updated_at"),
    "feb-30.json": Rejected("date_format", "real day", "published_at"),
    "date-and-published-at.json": Rejected("extra_forbidden", "not both", "date"),
    # text exports
    "bad-export.txt": Rejected("text_export", "date", "$"),
    # odd but valid
    "bom.json": PUBLISHED,
    "emoji-title.json": PUBLISHED,
    "surrogate-pair-escape.json": PUBLISHED,
    "rtl.json": PUBLISHED,
    "script-html.json": PUBLISHED,
    "date-alias.json": PUBLISHED,
    "naive-datetime.json": PUBLISHED,
    "offset-datetime.json": PUBLISHED,
    "tags-empty-array.json": PUBLISHED,
    "crlf-body-with-tabs.json": PUBLISHED,
    "padded-fields.json": PUBLISHED,
    "plain-export.txt": PUBLISHED,
}
