"""Turn the bytes of an upload into a validated ``ArticleUpload``, or a list of errors that say what to fix.

Every input ends in exactly one of the two: ``parse_upload`` never raises anything but ``UploadRejected``.
"""

from __future__ import annotations

import difflib
import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from pydantic import ValidationError

from pressroom.models import MAX_OBJECT_BYTES, ArticleUpload
from pressroom.text import slugify

SUPPORTED_SUFFIXES = (".json", ".txt")
_TEXT_EXPORT = re.compile(
    r"\A\s*date\s*:?\s+(?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2}"
    r"(?:[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?(?:Z|[+-][0-9]{2}:?[0-9]{2})?)?)"
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

    The article id defaults to the key's file name, slugified. Raises ``UploadRejected`` for anything invalid, and
    nothing else: a deterministic failure of an input must end in a report, never in a retry. A rejection lists at
    most ``MAX_ERRORS`` errors (and says how many more there were), each with a bounded ``loc`` and ``msg``.
    """
    suffix = PurePosixPath(key).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise _reject(
            "$",
            f"unsupported file type {_shown(suffix) if suffix else '(none)'}; upload a .json article or a .txt export",
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
                f"cannot derive an id from the file name {_shown(PurePosixPath(key).name)}; "
                'add an "id" field or use a file name with letters or digits',
                "missing",
            )
        fields["id"] = default_id
    try:
        return ArticleUpload.model_validate(fields)
    except ValidationError as e:
        raise _bounded([_detail(err) for err in e.errors(include_url=False)]) from None


MAX_ERRORS = 20
_MAX_LOC_CHARS = 200
_MAX_SHOWN_CHARS = 80


def _bounded(errors: list[ErrorDetail]) -> UploadRejected:
    if len(errors) > MAX_ERRORS:
        more = len(errors) - MAX_ERRORS
        errors = [*errors[:MAX_ERRORS], ErrorDetail("$", f"... and {more:,} more errors", "too_many_errors")]
    return UploadRejected(errors)


def _shown(text: str) -> str:
    """``text`` quoted for a message: non-printable characters escaped, at most ~80 characters."""
    shown = repr(text[:_MAX_SHOWN_CHARS])
    return shown if len(text) <= _MAX_SHOWN_CHARS else f"{shown}... ({len(text):,} characters)"


def _loc(path: tuple[str | int, ...]) -> str:
    """A dotted location; field names are escaped where not printable and cut to keep the report small."""
    parts = [str(part) if isinstance(part, int) or part.isprintable() else repr(part)[1:-1] for part in path]
    loc = ".".join(parts) or "$"
    return loc if len(loc) <= _MAX_LOC_CHARS else f"{loc[: _MAX_LOC_CHARS - 3]}..."


def object_too_large(size: int) -> UploadRejected:
    return _reject("$", f"object is {size:,} bytes; the limit is {MAX_OBJECT_BYTES:,} bytes (1 MiB)", "too_large")


_SIGNATURES = (
    (b"\x1f\x8b", "gzip-compressed", "compressed"),
    (b"PK\x03\x04", "a zip archive (or a .docx, .xlsx, .odt or .pages document)", "compressed"),
    (b"PK\x05\x06", "an empty zip archive", "compressed"),
    (b"BZh", "bzip2-compressed", "compressed"),
    (b"\xfd7zXZ\x00", "xz-compressed", "compressed"),
    (b"\x28\xb5\x2f\xfd", "zstd-compressed", "compressed"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive", "compressed"),
    (b"Rar!\x1a\x07", "a RAR archive", "compressed"),
    (b"%PDF-", "a PDF document", "binary"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image", "binary"),
    (b"\xff\xd8\xff", "a JPEG image", "binary"),
    (b"GIF8", "a GIF image", "binary"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "a legacy Microsoft Office (Word or Excel) document", "binary"),
    (b"{\\rtf", "an RTF document", "binary"),
)


def decode(data: bytes) -> str:
    """UTF-8 text (a UTF-8 byte-order mark is allowed). Other encodings, compressed and binary files are rejected,
    named where their first bytes tell what they are."""
    for signature, what, type_ in _SIGNATURES:
        if data.startswith(signature):
            action = "upload it uncompressed" if type_ == "compressed" else "export the article as JSON or text"
            raise _reject("$", f"file is {what}, not a UTF-8 JSON or text article; {action}", type_)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or _looks_like_utf16(data):
        raise _reject("$", "file is UTF-16; save it as UTF-8", "encoding")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        column = e.start - (data.rfind(b"\n", 0, e.start) + 1) + 1
        hint = "; it may be Windows-1252 or Latin-1 text" if data[e.start] >= 0x80 else ""
        raise _reject(
            "$",
            f"file is not valid UTF-8: byte 0x{data[e.start]:02X} at line {line}, column {column} "
            f"(offset {e.start}){hint}: save it as UTF-8",
            "encoding",
        ) from None
    if "\x00" in text:
        raise _reject("$", f"file contains a NUL byte at offset {text.index(chr(0))}; is it a binary file?", "encoding")
    if not text.strip():
        raise _reject("$", "file is empty; upload an article", "empty")
    return text


def _looks_like_utf16(data: bytes) -> bool:
    """ASCII text saved as UTF-16 without a byte-order mark: every other byte of the start is NUL."""
    head = data[:64]
    if len(head) < 4 or len(head) % 2:
        return False
    even, odd = head[0::2], head[1::2]
    return (not any(odd) and all(even)) or (not any(even) and all(odd))


class _NotJson(Exception):
    """A value Python's json module would take but JSON (and other tools) do not: a deterministic rejection."""


class _DuplicateKeys(dict[str, Any]):
    """A JSON object that names some keys more than once (``json`` alone would keep the last value silently)."""

    def __init__(self, pairs: list[tuple[str, Any]]) -> None:
        super().__init__(pairs)
        counts = Counter(name for name, _ in pairs)
        self.duplicates = [name for name, count in counts.items() if count > 1]


def _integer(digits: str) -> int:
    try:
        return int(digits)
    except ValueError:
        raise _NotJson(
            f"invalid JSON: a number with {len(digits.lstrip('-')):,} digits (no article field is a number)"
        ) from None


def _constant(name: str) -> Any:
    raise _NotJson(f"invalid JSON: {name} is not a JSON value")


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def _json_fields(text: str) -> dict[str, Any]:
    duplicated = False

    def obj(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        nonlocal duplicated
        result = dict(pairs)
        if len(result) == len(pairs):
            return result
        duplicated = True
        return _DuplicateKeys(pairs)

    try:
        value = json.loads(text, object_pairs_hook=obj, parse_int=_integer, parse_constant=_constant)
    except json.JSONDecodeError as e:
        raise _reject(
            "$", f"invalid JSON at line {e.lineno} column {e.colno}: {e.msg}{_json_hint(text, e.pos)}", "json_invalid"
        ) from None
    except _NotJson as e:
        raise _reject("$", str(e), "json_invalid") from None
    except RecursionError:
        raise _reject("$", "JSON is nested too deeply; an article is a flat object", "json_invalid") from None
    if not isinstance(value, dict):
        kind = "null" if value is None else type(value).__name__.replace("dict", "object").replace("list", "array")
        raise _reject("$", f"expected a JSON object with title, body and published_at; got {kind}", "object_type")
    if duplicated or _SURROGATE_ESCAPE.search(text):
        errors = _structure_errors(value)
        if errors:
            raise _bounded(errors)
    return value


def _structure_errors(value: dict[str, Any]) -> list[ErrorDetail]:
    """Duplicate keys and lone surrogates (in names or strings) anywhere in the parsed JSON, in document order."""
    errors: list[ErrorDetail] = []
    stack: list[tuple[tuple[str | int, ...], Any]] = [((), value)]
    while stack:
        path, node = stack.pop()
        children: list[tuple[str | int, Any]] = []
        if isinstance(node, dict):
            for name in node.duplicates if isinstance(node, _DuplicateKeys) else ():
                errors.append(
                    ErrorDetail(
                        _loc((*path, name)),
                        f"duplicate key {_shown(name)}: the object has it more than once; keep one",
                        "duplicate_key",
                    )
                )
            for name, child in node.items():
                if _SURROGATE.search(name):
                    errors.append(_surrogate_error((*path, name), "field name"))
                children.append((name, child))
        elif isinstance(node, list):
            children = list(enumerate(node))
        elif isinstance(node, str) and _SURROGATE.search(node):
            errors.append(_surrogate_error(path, "text"))
        stack.extend(((*path, name), child) for name, child in reversed(children))
    return errors


def _surrogate_error(path: tuple[str | int, ...], what: str) -> ErrorDetail:
    return ErrorDetail(
        _loc(path),
        f"{what} contains a lone UTF-16 surrogate (an escape such as \\ud83d without its pair): not valid Unicode; "
        "fix the escape or remove it",
        "unicode_surrogate",
    )


def _json_hint(text: str, pos: int) -> str:
    """A likely cause of a JSON syntax error, for editors who wrote the file by hand or saved the wrong format."""
    start = text.lstrip()[:1]
    before = text[:pos].rstrip()[-1:]
    at = text[pos : pos + 1]
    if start == "<":
        return " (the file looks like HTML or XML, not JSON)"
    if at and at in "\u201c\u201d\u2018\u2019":
        return ' (curly quotes are not JSON quotes: use straight double quotes ")'
    if at == "'":
        return ' (JSON names and strings need double quotes ")'
    if at == "/" and text[pos : pos + 2] in ("//", "/*"):
        return " (JSON has no comments)"
    if before == "," and at in "}]":
        return " (remove the comma before the closing bracket)"
    if start not in '{["' and "," in text.partition("\n")[0]:
        return " (the file looks like CSV, not a JSON object)"
    return ""


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


_TAGGED_UNIONS = frozenset({"author"})


def _detail(err: Any) -> ErrorDetail:
    path = tuple(err["loc"])
    if len(path) > 1 and path[0] in _TAGGED_UNIONS and isinstance(path[1], str):
        path = (path[0], *path[2:])
    loc = _loc(path)
    msg, type_ = err["msg"], err["type"]
    if type_ == "extra_forbidden":
        name = str(path[-1])
        if path == ("date",):
            msg = "give published_at or its alias date, not both"
        else:
            known = list(ArticleUpload.model_fields) + ["date"]
            guess = difflib.get_close_matches(name[:100], known, n=1)
            msg = f"unknown field {_shown(name)}" + (f"; did you mean {guess[0]!r}?" if guess else "; remove it")
    elif type_ == "missing":
        msg = "field required" + (" (published_at or date)" if loc == "published_at" else "")
    elif type_ == "string_pattern_mismatch" and loc == "id":
        msg = "id must be 1-80 characters of a-z, 0-9 and '-', starting with a letter or digit"
    elif type_.startswith("value_error"):
        msg = msg.removeprefix("Value error, ")
    return ErrorDetail(loc, msg, type_)
