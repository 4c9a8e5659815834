"""Turn the bytes of an upload into a validated ``ArticleUpload``, or a list of errors that say what to fix.

Every input ends in exactly one of the two: ``parse_upload`` never raises anything but ``UploadRejected``.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from pydantic import ValidationError

from pressroom.models import MAX_OBJECT_BYTES, ArticleUpload
from pressroom.text import slugify

SUPPORTED_SUFFIXES = (".json", ".txt")
_TEXT_EXPORT = re.compile(
    r"\A\s*date\s*:?\s+(?P<date>\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?)"
    r"[ \t]*(?P<rest>.*)\Z",
    re.DOTALL | re.IGNORECASE,
)
_TITLE_LINE = re.compile(r"\A\s*title\s*:[ \t]*(?P<title>[^\n]*)\n?(?P<rest>.*)\Z", re.DOTALL | re.IGNORECASE)


@dataclass(frozen=True)
class ErrorDetail:
    """One thing wrong with an upload: where (``loc``, dotted path or ``$`` for the whole file), what, and a code."""

    loc: str
    msg: str
    type: str

    def as_dict(self) -> dict[str, str]:
        return {"loc": self.loc, "msg": self.msg, "type": self.type}


class UploadRejected(Exception):
    """The upload is not a valid article. Never retried: the errors go to a rejection report."""

    def __init__(self, errors: list[ErrorDetail]) -> None:
        super().__init__("; ".join(f"{e.loc}: {e.msg}" for e in errors))
        self.errors = errors


def _reject(loc: str, msg: str, type_: str) -> UploadRejected:
    return UploadRejected([ErrorDetail(loc, msg, type_)])


def parse_upload(data: bytes, key: str) -> ArticleUpload:
    """Validate the bytes of ``key`` (``incoming/<name>.json`` or ``.txt``) against the upload contract.

    The article id defaults to the key's file name, slugified. Raises ``UploadRejected`` for anything invalid.
    """
    suffix = PurePosixPath(key).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise _reject(
            "$",
            f"unsupported file type {suffix or '(none)'!r}; upload a .json article or a .txt export",
            "unsupported_type",
        )
    if len(data) > MAX_OBJECT_BYTES:
        raise object_too_large(len(data))
    text = decode(data)
    fields = _json_fields(text) if suffix == ".json" else _text_export_fields(text)
    if "id" not in fields:
        default_id = slugify(PurePosixPath(key).stem)[:80].strip("-")
        if not default_id:
            raise _reject(
                "id",
                f"cannot derive an id from the file name {PurePosixPath(key).name!r}; "
                'add an "id" field or use a file name with letters or digits',
                "missing",
            )
        fields["id"] = default_id
    try:
        return ArticleUpload.model_validate(fields)
    except ValidationError as e:
        raise UploadRejected([_detail(err) for err in e.errors(include_url=False)]) from None


def object_too_large(size: int) -> UploadRejected:
    return _reject("$", f"object is {size:,} bytes; the limit is {MAX_OBJECT_BYTES:,} bytes (1 MiB)", "too_large")


def decode(data: bytes) -> str:
    """UTF-8 text (a UTF-8 byte-order mark is allowed). Other encodings and binary data are rejected."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _reject("$", "file is UTF-16; save it as UTF-8", "encoding")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise _reject(
            "$", f"file is not valid UTF-8 (bad byte at offset {e.start}); save it as UTF-8", "encoding"
        ) from None
    if "\x00" in text:
        raise _reject("$", f"file contains a NUL byte at offset {text.index(chr(0))}; is it a binary file?", "encoding")
    if not text.strip():
        raise _reject("$", "file is empty; upload an article", "empty")
    return text


def _json_fields(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as e:
        raise _reject("$", f"invalid JSON at line {e.lineno} column {e.colno}: {e.msg}", "json_invalid") from None
    except RecursionError:
        raise _reject("$", "JSON is nested too deeply; an article is a flat object", "json_invalid") from None
    if not isinstance(value, dict):
        kind = "null" if value is None else type(value).__name__.replace("dict", "object").replace("list", "array")
        raise _reject("$", f"expected a JSON object with title, body and published_at; got {kind}", "object_type")
    return value


def _text_export_fields(text: str) -> dict[str, Any]:
    from pressroom.cleaning import first_sentence_title

    match = _TEXT_EXPORT.match(text)
    if not match:
        raise _reject(
            "$", "a .txt export must start with the word 'date' and an ISO date, e.g. 'date 2026-11-25'", "text_export"
        )
    rest = match["rest"].lstrip("\n")
    fields: dict[str, Any] = {"published_at": match["date"]}
    title_line = _TITLE_LINE.match(rest)
    if title_line:
        fields["title"], rest = title_line["title"].strip(), title_line["rest"]
    body = rest.strip()
    if not body:
        raise _reject("body", "the export has a date but no body text after it", "missing")
    fields["body"] = body
    fields.setdefault("title", first_sentence_title(body))
    return fields


def _detail(err: Any) -> ErrorDetail:
    loc = ".".join(str(part) for part in err["loc"]) or "$"
    msg, type_ = err["msg"], err["type"]
    if type_ == "extra_forbidden":
        name = str(err["loc"][-1])
        known = list(ArticleUpload.model_fields) + ["date"]
        guess = difflib.get_close_matches(name, known, n=1)
        msg = f"unknown field {name!r}" + (f"; did you mean {guess[0]!r}?" if guess else "; remove it")
    elif type_ == "missing":
        msg = "field required" + (" (published_at or date)" if loc == "published_at" else "")
    elif type_ == "string_pattern_mismatch" and loc == "id":
        msg = "id must be 1-80 characters of a-z, 0-9 and '-', starting with a letter or digit"
    elif type_.startswith("value_error"):
        msg = msg.removeprefix("Value error, ")
    return ErrorDetail(loc, msg, type_)
