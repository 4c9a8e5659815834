"""The upload contract: every input is a valid article or a precise, readable list of errors."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pressroom.models import ArticleUpload
from pressroom.parsing import UploadRejected, parse_upload

VALID = {"title": "Harbour lights return", "body": "The festival returns.", "published_at": "2029-11-20T09:30:00Z"}


def _json(**fields: object) -> bytes:
    return json.dumps({**VALID, **fields}).encode()


def _errors(data: bytes, key: str = "incoming/a.json") -> dict[str, str]:
    with pytest.raises(UploadRejected) as caught:
        parse_upload(data, key)
    return {e.loc: e.msg for e in caught.value.errors}


def test_a_valid_article_parses_and_takes_its_id_from_the_key() -> None:
    upload = parse_upload(_json(), "incoming/Harbour Lights (2026).json")
    assert upload.id == "harbour-lights-2026"
    assert upload.published_at == datetime(2029, 11, 20, 9, 30, tzinfo=UTC)


def test_date_is_an_alias_and_a_bare_date_means_midnight_utc() -> None:
    data = json.dumps({"title": "T", "body": "B", "date": "2029-11-20"}).encode()
    assert parse_upload(data, "incoming/x.json").published_at == datetime(2029, 11, 20, tzinfo=UTC)


def test_an_unknown_field_is_rejected_with_a_suggestion() -> None:
    errors = _errors(_json(titel="typo"))
    assert errors == {"titel": "unknown field 'titel'; did you mean 'title'?"}


def test_wrong_types_are_rejected_with_their_location() -> None:
    errors = _errors(_json(title=42, tags=["ok", 7]))
    assert set(errors) == {"title", "tags.1"}


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,<b>x</b>", "/relative", "ftp://x.org/a"])
def test_unsafe_urls_are_rejected(url: str) -> None:
    errors = _errors(_json(links=[{"title": "x", "url": url}], image={"url": url}))
    assert "links.0.url" in errors and "image.url" in errors
    assert "http" in errors["links.0.url"]


@pytest.mark.parametrize("bad_id", ["../etc/passwd", "Upper", "-lead", "a" * 81, ""])
def test_ids_outside_the_pattern_are_rejected(bad_id: str) -> None:
    assert "a-z, 0-9" in _errors(_json(id=bad_id))["id"]


def test_body_over_200000_chars_is_rejected() -> None:
    assert "200000" in _errors(_json(body="x" * 200_001))["body"]


def test_object_over_1_mib_is_rejected_before_parsing() -> None:
    errors = _errors(b" " * (1024 * 1024 + 1))
    assert "1 MiB" in errors["$"]


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"", "empty"),
        (b"   \n ", "empty"),
        (b"null", "got null"),
        (b"[1, 2]", "got array"),
        (b'{"title": ', "invalid JSON at line 1"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        ("{}".encode("utf-16"), "UTF-16"),
        (b'{"title": "\xff"}', "not valid UTF-8"),
        (b'{"title": "a\x00"}', "NUL"),
    ],
)
def test_malformed_files_get_a_clear_error(data: bytes, fragment: str) -> None:
    assert fragment in _errors(data)["$"]


def test_a_utf8_byte_order_mark_is_accepted() -> None:
    assert parse_upload(b"\xef\xbb\xbf" + _json(), "incoming/a.json").title == VALID["title"]


def test_unsupported_file_types_are_rejected() -> None:
    assert "unsupported file type" in _errors(_json(), "incoming/a.xml")["$"]


def test_missing_fields_are_all_reported() -> None:
    assert set(_errors(b"{}")) == {"title", "body", "published_at"}


def test_plain_text_export_with_title_line() -> None:
    upload = parse_upload(b"  date 2026-03-04\ntitle: Quiet night\n\nFirst para.\n\nSecond.", "incoming/q.txt")
    assert (upload.title, upload.body, upload.id) == ("Quiet night", "First para.\n\nSecond.", "q")


def test_plain_text_export_body_may_start_on_the_date_line_and_titles_itself() -> None:
    upload = parse_upload(b"date 2026-03-04 The council voted on Tuesday. More later.", "incoming/c.txt")
    assert upload.title == "The council voted on Tuesday."
    assert upload.published_at == datetime(2026, 3, 4, tzinfo=UTC)


def test_plain_text_export_without_date_is_rejected() -> None:
    assert "date" in _errors(b"Just text", "incoming/t.txt")["$"]


HOSTILE_TEXT = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8"),
        st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF),
        st.sampled_from(["\u202e", "\u2066", "\x00", "\x07", "\x85", "\u2028", "\t", "\n", "\r", " ", "\xa0"]),
    ),
    max_size=40,
)
DATES = st.one_of(
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31)).map(datetime.isoformat),
    st.from_regex(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}([Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2})?([Zz]|[+-][0-9]{2}:?[0-9]{2})?)?\Z"),
)
URLS = st.one_of(
    st.from_regex(r"\A(https?|HTTP|ftp|javascript|data)://?[a-z@:\[\]\\.]{0,12}(/[^ ]{0,10})?\Z"), HOSTILE_TEXT
)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | HOSTILE_TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(HOSTILE_TEXT, inner, max_size=4),
    max_leaves=12,
)
FIELD_VALUES = {
    "title": HOSTILE_TEXT,
    "body": HOSTILE_TEXT,
    "published_at": DATES,
    "date": DATES,
    "updated_at": DATES,
    "id": HOSTILE_TEXT,
    "slug": HOSTILE_TEXT,
    "section": HOSTILE_TEXT,
    "summary": HOSTILE_TEXT,
    "author": HOSTILE_TEXT | st.lists(HOSTILE_TEXT, max_size=3),
    "tags": st.lists(HOSTILE_TEXT, max_size=3),
    "links": st.lists(st.fixed_dictionaries({"title": HOSTILE_TEXT, "url": URLS}), max_size=2),
    "image": st.fixed_dictionaries({"url": URLS}, optional={"alt": HOSTILE_TEXT}),
    "canonical_url": URLS,
    "language": HOSTILE_TEXT,
    "status": st.sampled_from(["published", "draft", "withdrawn", "Published"]),
}
REQUIRED = ("title", "body", "published_at")
ARTICLES = st.fixed_dictionaries(
    {"title": HOSTILE_TEXT, "body": HOSTILE_TEXT, "published_at": DATES},
    optional={name: values | JSON_VALUES for name, values in FIELD_VALUES.items() if name not in REQUIRED},
)
RAW_JSON_TOKENS = st.lists(
    st.sampled_from(
        [
            "{",
            "}",
            "[",
            "]",
            ",",
            ":",
            '"title"',
            '"title"',
            '"body"',
            '"date"',
            '"2029-11-20"',
            '"x"',
            '"\\ud800"',
            '"\\u202e"',
            "9" * 4400,
            "-0",
            "1e999",
            "NaN",
            "null",
            "true",
            " ",
            "\n",
        ]
    ),
    max_size=30,
).map(lambda tokens: "".join(tokens).encode())


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.one_of(
        st.binary(max_size=2000),
        st.text(max_size=2000).map(str.encode),
        JSON_VALUES.map(lambda v: json.dumps(v).encode()),
        ARTICLES.map(lambda v: json.dumps(v).encode()),
        ARTICLES.map(lambda v: json.dumps(v, ensure_ascii=False).encode("utf-8", "surrogatepass")),
        RAW_JSON_TOKENS,
        st.sampled_from([b"\x1f\x8b", b"PK\x03\x04", b"%PDF-", b"\xff\xfe", b"\xef\xbb\xbf", b"date "]).flatmap(
            lambda head: st.binary(max_size=200).map(lambda tail: head + tail)
        ),
    ),
    key=st.one_of(st.sampled_from(["incoming/fuzz.json", "incoming/fuzz.txt"]), st.text(max_size=30)),
)
def test_every_input_is_an_article_or_a_clear_rejection(data: bytes, key: str) -> None:
    try:
        upload = parse_upload(data, key)
    except UploadRejected as e:
        assert e.errors and all(err.loc and err.msg and err.type for err in e.errors)
        json.dumps([err.as_dict() for err in e.errors], ensure_ascii=False).encode("utf-8")
    else:
        assert isinstance(upload, ArticleUpload)
        upload.model_dump_json().encode("utf-8")
        json.dumps(upload.model_dump(mode="json"), ensure_ascii=False).encode("utf-8")


def test_a_file_name_without_letters_or_digits_needs_an_id_field() -> None:
    assert 'add an "id" field' in _errors(_json(), "incoming/🎉.json")["id"]
    assert parse_upload(_json(id="party"), "incoming/🎉.json").article_id == "party"


# ---------------------------------------------------------------- issue 8: deterministic failures are rejections


def _rejection(data: bytes, key: str = "incoming/a.json") -> dict[str, tuple[str, str]]:
    """loc -> (type, msg) of every error of a rejected upload."""
    with pytest.raises(UploadRejected) as caught:
        parse_upload(data, key)
    return {e.loc: (e.type, e.msg) for e in caught.value.errors}


BIG = "9" * 5000


@pytest.mark.parametrize(
    "data",
    [
        f'{{"title": "T", "body": "B", "published_at": "2029-11-20", "extra": {BIG}}}'.encode(),
        f'{{"title": "T", "body": "B", "published_at": "2029-11-20", "tags": ["a", -{BIG}]}}'.encode(),
        f'{{"title": {BIG}, "body": "B", "published_at": "2029-11-20"}}'.encode(),
        f"[{BIG}]".encode(),
    ],
)
def test_a_number_with_more_digits_than_python_converts_is_a_rejection(data: bytes) -> None:
    (type_, msg) = _rejection(data)["$"]
    assert type_ == "json_invalid" and "5,000 digits" in msg


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_non_standard_json_constants_are_rejected_as_invalid_json(constant: str) -> None:
    (type_, msg) = _rejection(f'{{"title": "T", "body": "B", "published_at": "2029-11-20", "x": {constant}}}'.encode())[
        "$"
    ]
    assert type_ == "json_invalid" and constant in msg


@pytest.mark.parametrize("value", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00"])
@pytest.mark.parametrize("field", ["published_at", "date", "updated_at"])
def test_a_date_whose_offset_overflows_is_a_rejection(field: str, value: str) -> None:
    fields = {"title": "T", "body": "B", **({} if field == "date" else {"published_at": "2029-11-20"}), field: value}
    errors = _rejection(json.dumps(fields).encode())
    assert errors[field][0] == "date_out_of_range", errors


@pytest.mark.parametrize(
    ("fields", "loc"),
    [
        ({"published_at": "1899-12-31T23:59:59Z"}, "published_at"),
        ({"published_at": "2201-01-01"}, "published_at"),
        ({"date": "1066-10-14"}, "date"),
        ({"updated_at": "1899-12-31"}, "updated_at"),
        ({"updated_at": "2201-01-01T00:00:00Z"}, "updated_at"),
    ],
)
def test_absurd_dates_are_rejected(fields: dict[str, str], loc: str) -> None:
    base = {"title": "T", "body": "B"} if "date" in fields else dict(VALID)
    type_, msg = _rejection(json.dumps({**base, **fields}).encode())[loc]
    assert type_ == "date_out_of_range" and "1900" in msg and "2200" in msg


def test_dates_at_the_bounds_are_accepted() -> None:
    upload = parse_upload(_json(published_at="1900-01-01", updated_at="2200-12-31T23:59:59Z"), "incoming/a.json")
    assert upload.published_at == datetime(1900, 1, 1, tzinfo=UTC)
    assert upload.updated_at == datetime(2200, 12, 31, 23, 59, 59, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2029-11-25", datetime(2029, 11, 25, tzinfo=UTC)),
        ("2029-11-25T09:30", datetime(2029, 11, 25, 9, 30, tzinfo=UTC)),
        ("2029-11-25 09:30:15", datetime(2029, 11, 25, 9, 30, 15, tzinfo=UTC)),
        ("2029-11-25t09:30:00z", datetime(2029, 11, 25, 9, 30, tzinfo=UTC)),
        ("2029-11-25T09:30:00.123456789+05:30", datetime(2029, 11, 25, 4, 0, 0, 123456, tzinfo=UTC)),
        ("2029-11-25T09:30-0100", datetime(2029, 11, 25, 10, 30, tzinfo=UTC)),
        ("2029-11-25T09:30+01", datetime(2029, 11, 25, 8, 30, tzinfo=UTC)),
        (" 2024-02-29T00:00:00Z\n", datetime(2024, 2, 29, tzinfo=UTC)),
    ],
)
def test_the_accepted_date_forms(value: str, expected: datetime) -> None:
    assert parse_upload(_json(published_at=value), "incoming/a.json").published_at == expected


@pytest.mark.parametrize(
    "value",
    [
        "2026-02-30",
        "2025-02-29",
        "2100-02-29",
        "2026-13-01",
        "2029-11-25T24:00",
        "2029-11-25T09:60",
        "2029-11-25T09:30:60",
        "2029-11-25T09:30+24:00",
        "2029-11-25T09:30+05:60",
        "2029-11-25x09:30",
        "20261125",
        "2026-W48-3",
        "2029-11-25T09",
        "２０２６-11-25",
        "2029-11-25Z",
        "2029-11-25T09:30:00.1234567890Z",
    ],
)
def test_other_date_forms_are_rejected_with_the_accepted_forms_named(value: str) -> None:
    type_, msg = _rejection(_json(published_at=value))["published_at"]
    assert type_ == "date_format" and all(form in msg for form in ("use e.g.", "T09:30:00Z", "T09:30:00+01:00"))


@pytest.mark.parametrize(
    ("fields", "loc"),
    [
        ({"title": "\ud800"}, "title"),
        ({"body": "text \udfff text"}, "body"),
        ({"tags": ["ok", "x\udc00"]}, "tags.1"),
        ({"author": ["A", "B\ud83d"]}, "author.1"),
        ({"links": [{"title": "t\udbff", "url": "https://a.example/"}]}, "links.0.title"),
        ({"image": {"url": "https://a.example/i.png", "alt": "\udc00"}}, "image.alt"),
        ({"unknown": {"deep": ["\ud800"]}}, "unknown.deep.0"),
        ({"\ud800key": "v"}, "\\ud800key"),
    ],
)
def test_a_lone_surrogate_is_rejected_naming_the_field(fields: dict[str, object], loc: str) -> None:
    errors = _rejection(_json(**fields))
    assert errors[loc][0] == "unicode_surrogate", errors
    json.dumps({"errors": list(errors)}, ensure_ascii=False).encode("utf-8")


def test_a_surrogate_pair_escape_is_one_character_and_accepted() -> None:
    assert parse_upload(_json(title=b"party \\ud83c\\udf89".decode("unicode_escape")), "incoming/a.json")
    assert parse_upload(b'{"title": "\\ud83c\\udf89", "body": "B", "date": "2029-11-20"}', "k.json").title == "🎉"


@pytest.mark.parametrize(
    ("data", "loc"),
    [
        (b'{"title": "a", "title": "b", "body": "B", "published_at": "2029-11-20"}', "title"),
        (b'{"title": "a", "body": "B", "date": "2029-11-20", "date": "2029-11-21"}', "date"),
        (
            b'{"title": "a", "body": "B", "date": "2029-11-20", '
            b'"links": [{"title": "x", "url": "https://a.example/", "url": "https://b.example/"}]}',
            "links.0.url",
        ),
    ],
)
def test_duplicate_keys_are_rejected_naming_the_key(data: bytes, loc: str) -> None:
    type_, msg = _rejection(data)[loc]
    assert type_ == "duplicate_key" and repr(loc.rsplit(".", 1)[-1]) in msg


def test_published_at_and_its_alias_together_are_rejected() -> None:
    type_, msg = _rejection(_json(date="2029-11-21"))["date"]
    assert "not both" in msg


@pytest.mark.parametrize(
    ("data", "fragment", "type_"),
    [
        (gzip.compress(_json()), "gzip", "compressed"),
        (b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"\x00" * 20, "zip", "compressed"),
        (b"BZh91AY&SY\x00\x01", "bzip2", "compressed"),
        (b"\xfd7zXZ\x00\x00", "xz", "compressed"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "PDF", "binary"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "PNG", "binary"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "JPEG", "binary"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00", "Word", "binary"),
        (b"{\\rtf1\\ansi hello}", "RTF", "binary"),
        ('{"title": "x"}'.encode("utf-16-le"), "UTF-16", "encoding"),
        ('{"title": "x"}'.encode("utf-16-be"), "UTF-16", "encoding"),
        ('{"title": "café"}'.encode("cp1252"), "Windows-1252", "encoding"),
    ],
)
def test_compressed_binary_and_mis_encoded_files_are_named(data: bytes, fragment: str, type_: str) -> None:
    assert _rejection(data)["$"][0] == type_
    assert fragment in _rejection(data)["$"][1]


CHAR_FIELDS = [
    ("title", lambda s: {"title": f"Head{s}line"}),
    ("tags.0", lambda s: {"tags": [f"ta{s}g"]}),
    ("author", lambda s: {"author": f"Ann{s} Lee"}),
    ("author.1", lambda s: {"author": ["Ann Lee", f"Bo{s}b"]}),
    ("section", lambda s: {"section": f"ne{s}ws"}),
    ("summary", lambda s: {"summary": f"A sum{s}mary."}),
    ("links.0.title", lambda s: {"links": [{"title": f"li{s}nk", "url": "https://a.example/"}]}),
    ("image.alt", lambda s: {"image": {"url": "https://a.example/i.png", "alt": f"a{s}lt"}}),
]
BIDI = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]
CONTROLS = ["\x00", "\x07", "\x08", "\x0b", "\x0c", "\x1b", "\x1f", "\x7f", "\x80", "\x85", "\x92", "\x9f"]


@pytest.mark.parametrize("char", BIDI + CONTROLS)
@pytest.mark.parametrize(("loc", "build"), CHAR_FIELDS)
def test_control_and_bidi_characters_in_text_fields_are_rejected_naming_field_and_character(
    loc: str, build: object, char: str
) -> None:
    type_, msg = _rejection(_json(**build(char)))[loc]  # type: ignore[operator]
    assert type_ == "forbidden_character" and f"U+{ord(char):04X}" in msg


@pytest.mark.parametrize("char", ["\t", "\n", "\r", "\u2028"])
@pytest.mark.parametrize(("loc", "build"), [f for f in CHAR_FIELDS if f[0] not in ("summary", "image.alt")])
def test_one_line_fields_reject_line_breaks_and_tabs_inside(loc: str, build: object, char: str) -> None:
    assert _rejection(_json(**build(char)))[loc][0] == "forbidden_character"  # type: ignore[operator]


def test_multi_line_text_keeps_tabs_and_line_breaks_and_one_line_fields_are_trimmed() -> None:
    upload = parse_upload(
        _json(
            title="\n\tHeadline \u00a0",
            body="Para one.\r\n\r\n\tPara two.",
            summary="Line one.\nLine two.",
            section=" news\n",
            author=" Ann Lee ",
            tags=["  festivals\t"],
        ),
        "incoming/a.json",
    )
    assert (upload.title, upload.section, upload.author, upload.tags) == ("Headline", "news", "Ann Lee", ["festivals"])
    assert upload.body == "Para one.\r\n\r\n\tPara two." and upload.summary == "Line one.\nLine two."


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x0b", "\x0c", "\x1b", "\x7f", "\x85", "\x9f"])
def test_the_body_rejects_other_control_characters(char: str) -> None:
    type_, msg = _rejection(_json(body=f"Para{char}graph"))["body"]
    assert type_ == "forbidden_character" and f"U+{ord(char):04X}" in msg


def test_the_body_keeps_bidi_controls_for_right_to_left_text() -> None:
    assert "\u202b" in parse_upload(_json(body="\u202bمرحبا\u202c"), "incoming/a.json").body


@pytest.mark.parametrize(
    "url",
    [
        "https://www.bbc.co.uk@evil.example/",
        "https://user:pass@a.example/",
        "https://a.example\\@b.example/",
        "https://a.example:80x/",
        "https://a.example/\u202etxt.exe",
        "https://a.example/\x7f",
        "https:///path",
        "https://[::1/",
    ],
)
def test_urls_with_credentials_bad_ports_or_hidden_characters_are_rejected(url: str) -> None:
    assert _rejection(_json(canonical_url=url))["canonical_url"][0] == "url_invalid"


@pytest.mark.parametrize(
    "url", ["https://a.example", "HTTP://A.example:8080/p?q=1#f", "https://[::1]/x", " https://exämple.de/ü \n"]
)
def test_valid_urls_are_accepted(url: str) -> None:
    assert parse_upload(_json(canonical_url=url), "incoming/a.json").canonical_url == url.strip()


def test_the_number_of_errors_in_a_report_is_bounded() -> None:
    errors = _rejection(json.dumps({f"unknown{n}": n for n in range(1000)}).encode())
    assert len(errors) <= 21 and any("more" in msg for _, msg in errors.values())


def test_a_huge_unknown_field_name_is_shortened_in_the_report() -> None:
    errors = _rejection(_json(**{"x" * 100_000: 1}))
    assert all(len(loc) <= 200 and len(msg) <= 500 for loc, (_, msg) in errors.items())
