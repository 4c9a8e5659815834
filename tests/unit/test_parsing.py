"""The upload contract: every input is a valid article or a precise, readable list of errors."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pressroom.models import ArticleUpload, upload_json_schema
from pressroom.parsing import UploadRejected, parse_upload

VALID = {"title": "Harbour lights return", "body": "The festival returns.", "published_at": "2026-11-20T09:30:00Z"}


def _json(**fields: object) -> bytes:
    return json.dumps({**VALID, **fields}).encode()


def _errors(data: bytes, key: str = "incoming/a.json") -> dict[str, str]:
    with pytest.raises(UploadRejected) as caught:
        parse_upload(data, key)
    return {e.loc: e.msg for e in caught.value.errors}


def test_a_valid_article_parses_and_takes_its_id_from_the_key() -> None:
    upload = parse_upload(_json(), "incoming/Harbour Lights (2026).json")
    assert upload.id == "harbour-lights-2026"
    assert upload.published_at == datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


def test_date_is_an_alias_and_a_bare_date_means_midnight_utc() -> None:
    data = json.dumps({"title": "T", "body": "B", "date": "2026-11-20"}).encode()
    assert parse_upload(data, "incoming/x.json").published_at == datetime(2026, 11, 20, tzinfo=UTC)


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


def test_the_committed_json_schema_matches_the_models() -> None:
    from tests.conftest import ROOT

    committed = json.loads((ROOT / "schema" / "article-upload.schema.json").read_text(encoding="utf-8"))
    assert committed == upload_json_schema()


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.one_of(
        st.binary(max_size=2000),
        st.text(max_size=2000).map(str.encode),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=50),
            lambda inner: (
                st.lists(inner, max_size=4)
                | st.dictionaries(st.sampled_from([*ArticleUpload.model_fields, "date", "x"]), inner, max_size=8)
            ),
            max_leaves=20,
        ).map(lambda v: json.dumps(v).encode()),
    ),
    suffix=st.sampled_from([".json", ".txt"]),
)
def test_every_input_is_an_article_or_a_clear_rejection(data: bytes, suffix: str) -> None:
    try:
        upload = parse_upload(data, f"incoming/fuzz{suffix}")
    except UploadRejected as e:
        assert e.errors and all(err.loc and err.msg and err.type for err in e.errors)
    else:
        assert isinstance(upload, ArticleUpload)


def test_a_file_name_without_letters_or_digits_needs_an_id_field() -> None:
    assert 'add an "id" field' in _errors(_json(), "incoming/🎉.json")["id"]
    assert parse_upload(_json(id="party"), "incoming/🎉.json").article_id == "party"
