"""The committed JSON Schema gives the pipeline's verdict: editors' tools that check uploads with it must agree.

The schema judges JSON text; what happens before there is JSON (the file is UTF-8, at most 1 MiB, not compressed)
is outside any schema, so a file that is not UTF-8 JSON counts as rejected by the schema too. Everything else must
agree exactly, except what JSON Schema cannot state, listed in ``SCHEMA_CANNOT_SAY`` with the reason.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from functools import cache
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator, ValidationError, validators

from pressroom.models import MAX_TITLE_CHARS, SPACE_CLASS, upload_json_schema
from pressroom.parsing import UploadRejected, parse_upload
from tests.conftest import EXAMPLES, ROOT
from tests.corpus.cases import FILES, FILES_DIR

SCHEMA_FILE = ROOT / "schema" / "article-upload.schema.json"
SCHEMA_CANNOT_SAY = {
    "duplicate-keys.json": "a JSON parser keeps one value per key before the schema sees the object",
    "duplicate-nested-keys.json": "a JSON parser keeps one value per key before the schema sees the object",
}
VALID = {"title": "Harbour lights return", "body": "The festival returns.", "published_at": "2029-11-20T09:30:00Z"}


def _ecma_pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Iterator[ValidationError]:
    """``pattern`` with ECMA-262's ``$`` (end of input), as JSON Schema specifies; python-jsonschema uses Python's
    ``re``, whose ``$`` also matches before a final newline."""
    if validator.is_type(instance, "string") and not re.search(pattern.replace("$", r"(?![\s\S])"), instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


EcmaValidator = validators.extend(Draft202012Validator, {"pattern": _ecma_pattern})


@cache
def _validator() -> Any:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    return EcmaValidator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def _schema_accepts(data: bytes) -> bool:
    """What a tool does: read the file as UTF-8 JSON (big integers as numbers, like JavaScript), then validate."""
    try:
        document = json.loads(data.decode("utf-8-sig"), parse_int=float)
    except ValueError:
        return False
    return _validator().is_valid(document)


def _pipeline_accepts(data: bytes, name: str = "article.json") -> bool:
    try:
        parse_upload(data, f"incoming/{name}")
    except UploadRejected:
        return False
    return True


def test_the_committed_schema_is_the_models_schema_and_a_valid_2020_12_schema() -> None:
    committed = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert committed == upload_json_schema()
    Draft202012Validator.check_schema(committed)


def _patterns(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "pattern":
                yield value
            else:
                yield from _patterns(value)
    elif isinstance(node, list):
        for value in node:
            yield from _patterns(value)


def test_patterns_use_dollar_only_as_the_end_anchor() -> None:
    for pattern in _patterns(upload_json_schema()):
        assert "\\$" not in pattern and "[$" not in pattern, pattern
        re.compile(pattern)


JSON_CASES = sorted(name for name in FILES if name.endswith(".json"))


@pytest.mark.parametrize("name", JSON_CASES)
def test_the_schema_gives_the_pipelines_verdict_on_every_corpus_file(name: str) -> None:
    data = (FILES_DIR / name).read_bytes()
    schema, pipeline = _schema_accepts(data), _pipeline_accepts(data, name)
    if name in SCHEMA_CANNOT_SAY:
        assert (schema, pipeline) == (True, False), "the listed exception no longer holds: remove it"
    else:
        assert schema == pipeline, f"schema says {schema}, pipeline says {pipeline}"


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.json")), ids=lambda p: p.name)
def test_the_schema_accepts_every_example_article(path: Any) -> None:
    data = path.read_bytes()
    assert _schema_accepts(data) and _pipeline_accepts(data, path.name)


def test_the_schema_checked_before_this_fix_disagreed() -> None:
    """The bugs of issue 8, item 9: each of these must now get the pipeline's answer."""
    for fields, accepted in [
        ({"published_at": "2029-11-25"}, True),
        ({"published_at": "2029-11-25T09:30:00"}, True),
        ({"published_at": None, "date": "2029-11-25"}, True),
        ({"canonical_url": "ftp://files.example/a"}, False),
        ({"links": [{"title": "x", "url": "javascript:alert(1)"}]}, False),
        ({"title": "  padded to more than 300 characters  ".ljust(MAX_TITLE_CHARS, "x") + "  "}, True),
        ({"title": "x" * (MAX_TITLE_CHARS + 1)}, False),
    ]:
        document = {key: value for key, value in {**VALID, **fields}.items() if value is not None}
        data = json.dumps(document).encode()
        assert _schema_accepts(data) == _pipeline_accepts(data) == accepted, fields


# ---------------------------------------------------------------- property tests: field by field

SPACES = st.sampled_from([" ", "\t", "\n", "\r", "\u00a0", "\u2003", "\u3000", "\u2028", "\x0b", "\x1c", "\x85"])
ODD = st.sampled_from(["\x00", "\x07", "\x1b", "\x7f", "\x92", "\u202e", "\u2066", "\u200f", "\ufeff", "\ud800"])
CHARS = st.one_of(st.characters(codec="utf-8", max_codepoint=0x2FFF), SPACES, ODD, st.just("🎉"))


def _padded(core_sizes: list[int]) -> st.SearchStrategy[str]:
    """Text padded with white space around a core of a size near a limit."""
    return st.builds(
        lambda before, core, after: before + core + after,
        st.text(SPACES, max_size=3),
        st.sampled_from(core_sizes).flatmap(lambda n: st.text(CHARS, min_size=n, max_size=n)),
        st.text(SPACES, max_size=3),
    )


DIGITS = st.sampled_from(["0", "1", "2", "3", "5", "9"])


def _digits(n: int) -> st.SearchStrategy[str]:
    return st.text(DIGITS, min_size=n, max_size=n)


def _two(low: int, high: int) -> st.SearchStrategy[str]:
    return st.integers(low, high).map("{:02d}".format)


YEARS = st.one_of(st.integers(1898, 2202).map(str), st.sampled_from(["1900", "2000", "2100", "2200", "0001", "9999"]))
LIKELY_DATES = st.builds(
    lambda year, month, day, time, offset: f"{year}-{month}-{day}{time}{offset if time else ''}",
    YEARS,
    _two(1, 12),
    st.one_of(_two(1, 28), _two(29, 31)),
    st.one_of(
        st.just(""),
        st.builds("T{}:{}".format, _two(0, 23), _two(0, 59)),
        st.builds("T{}:{}:{}".format, _two(0, 23), _two(0, 59), _two(0, 59)),
        st.builds(" {}:{}:{}.{}".format, _two(0, 23), _two(0, 59), _two(0, 59), _digits(3)),
    ),
    st.sampled_from(["", "Z", "z", "+05:30", "-0800", "+01", "-23:59", "+00:00"]),
)
ODD_DATES = st.builds(
    lambda year, month, day, time, offset, pad: f"{pad}{year}-{month}-{day}{time}{offset}{pad}",
    YEARS,
    st.one_of(_two(0, 13), st.just("2")),
    st.one_of(_two(0, 32), st.just("7")),
    st.one_of(
        st.just(""),
        st.builds(
            lambda sep, h, m, rest: f"{sep}{h}:{m}{rest}",
            st.sampled_from(["T", "t", " ", "x", "  "]),
            st.one_of(_two(0, 25), _digits(1)),
            _two(0, 61),
            st.sampled_from(["", ":00", ":60", ":59.123456789", ":00.1234567890", ":00,5", ":5"]),
        ),
    ),
    st.sampled_from(["", "Z", "+05:30", "+24:00", "+05:60", "+5", " Z", "UTC"]),
    st.sampled_from(["", " ", "\n", "\u00a0", "\u200b"]),
)
DATES = st.one_of(LIKELY_DATES, ODD_DATES)
LIKELY_URLS = st.builds(
    "{}{}{}{}".format,
    st.sampled_from(["https://", "http://", "HTTPS://", "hTtP://"]),
    st.sampled_from(["a.example", "exämple.de", "[::1]", "x", "a_b"]),
    st.sampled_from(["", ":8080", ":1"]),
    st.one_of(
        st.sampled_from(["", "/", "/p?q=1#f", "/ü", "?x", "#", "/" + "a" * 2030, "/" + "a" * 2040]),
        st.text(CHARS, max_size=6).map("/".__add__),
    ),
)
ODD_URLS = st.builds(
    "{}{}{}{}{}".format,
    st.sampled_from(["https://", "ftp://", "javascript:", "https:/", "//", "https:\\\\", " https://", "https//"]),
    st.sampled_from(["", "user@", "user:pw@", "@"]),
    st.one_of(
        st.sampled_from(["a.example", "[::1", "", "a b", "a\\b", "a\u202eb", "a\x7fb"]), st.text(CHARS, max_size=5)
    ),
    st.sampled_from(["", ":8080", ":", ":80x", ":123456"]),
    st.sampled_from(["", "/", "/a b", "/\u202e", "/\x85", " \n"]),
)
URLS = st.one_of(LIKELY_URLS, ODD_URLS)
FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "title": _padded([0, 1, 2, MAX_TITLE_CHARS - 1, MAX_TITLE_CHARS, MAX_TITLE_CHARS + 1]),
    "body": st.text(CHARS, max_size=20),
    "summary": st.text(CHARS, max_size=20),
    "section": _padded([0, 1, 59, 60, 61]),
    "author": st.one_of(_padded([0, 1, 199, 200, 201]), st.lists(_padded([0, 1, 3]), max_size=3)),
    "tags": st.lists(_padded([0, 1, 3, 100, 101]), max_size=2),
    "links": st.lists(st.fixed_dictionaries({"title": _padded([0, 1, 3]), "url": URLS}), max_size=1),
    "image": st.fixed_dictionaries({"url": URLS}, optional={"alt": st.text(CHARS, max_size=10)}),
    "canonical_url": URLS,
    "published_at": DATES,
    "updated_at": DATES,
    "date": DATES,
    "id": st.one_of(st.from_regex(r"[a-z0-9-]{0,81}", fullmatch=True), st.text(CHARS, max_size=5)),
    "language": st.one_of(
        st.sampled_from(["en", "en-GB", "pt-BR", "e", "english", "en_GB"]), st.text(CHARS, max_size=4)
    ),
}


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(sorted(FIELDS)), data=st.data())
def test_the_schema_and_the_validator_agree_field_by_field(name: str, data: st.DataObject) -> None:
    value = data.draw(FIELDS[name])
    document = {k: v for k, v in VALID.items() if not (name == "date" and k == "published_at")} | {name: value}
    text = json.dumps(document)
    assert _schema_accepts(text.encode()) == _pipeline_accepts(text.encode()), document


def test_the_space_class_is_exactly_what_str_strip_removes() -> None:
    space = re.compile(f"[{SPACE_CLASS}]")
    assert {c for c in range(0x110000) if chr(c).isspace()} == {
        c for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF and space.fullmatch(chr(c))
    }


# ---------------------------------------------------------------- the patterns are ECMA-262 patterns


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node to run the ECMA-262 regex engine")
def test_every_pattern_means_the_same_in_javascript_with_the_u_flag() -> None:
    """JSON Schema patterns are ECMA-262; editors' tools (ajv, VS Code) run them in a JavaScript engine."""
    patterns = sorted(set(_patterns(upload_json_schema())))
    samples = [
        "",
        "a",
        "x\n",
        "\n",
        " Harbour lights \u00a0",
        "🎉" * MAX_TITLE_CHARS,
        "🎉" * (MAX_TITLE_CHARS + 1),
        "a\u202eb",
        "\ud800",
        "x\udfff",
        "\u2028x",
        "a\x00b",
        "a\tb",
        "a\r\nb",
        "en-GB",
        "abc-123",
        "2029-11-25",
        "2029-11-25T09:30:00Z",
        "2024-02-29",
        "2100-02-29",
        "2029-11-25 09:30+0530",
        "2029-11-25\n",
        "https://a.example/p?q#f",
        "https://exämple.de/ü",
        "https://[::1]:8080/",
        "https://u@a.example/",
        "https://a.example\\@b/",
        "javascript:alert(1)",
        " https://a.example \n",
        "https://" + "a" * 2050,
    ]
    script = (
        "const {patterns, samples} = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
        "process.stdout.write(JSON.stringify(patterns.map(p => samples.map(s => new RegExp(p, 'u').test(s)))));"
    )
    stdin = json.dumps({"patterns": patterns, "samples": samples})
    result = subprocess.run(["node", "-e", script], input=stdin, capture_output=True, text=True, check=True, timeout=60)
    javascript = json.loads(result.stdout)
    python = [[bool(re.search(p.replace("$", r"(?![\s\S])"), s)) for s in samples] for p in patterns]
    assert javascript == python
