"""Cursors are opaque and tamper-evident: only an intact cursor issued for the same index is accepted."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pressroom.cursor import CursorCodec, InvalidCursor, fallback_secret

CODEC = CursorCodec(b"test-secret")
POSITION = "2029-11-01T12:04:00.000000Z#a-4"


def test_round_trip_returns_the_position() -> None:
    cursor = CODEC.encode("FEED", POSITION)
    assert CODEC.decode(cursor, index="FEED") == POSITION


def test_cursor_is_url_safe_and_does_not_show_the_position_in_clear() -> None:
    cursor = CODEC.encode("TAG#zoe-saldana", POSITION)
    assert set(cursor) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert POSITION not in cursor


def test_every_single_character_change_is_rejected() -> None:
    cursor = CODEC.encode("FEED", POSITION)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    for i, ch in enumerate(cursor):
        replacement = alphabet[(alphabet.index(ch) + 1) % len(alphabet)]
        with pytest.raises(InvalidCursor):
            CODEC.decode(cursor[:i] + replacement + cursor[i + 1 :], index="FEED")


def test_every_truncation_is_rejected() -> None:
    cursor = CODEC.encode("FEED", POSITION)
    for end in range(len(cursor)):
        with pytest.raises(InvalidCursor):
            CODEC.decode(cursor[:end], index="FEED")


def test_a_cursor_with_a_changed_position_but_the_old_mac_is_rejected() -> None:
    raw = base64.urlsafe_b64decode(CODEC.encode("FEED", POSITION) + "==")
    forged = raw.replace(b"a-4", b"a-9")
    with pytest.raises(InvalidCursor, match="modified"):
        CODEC.decode(base64.urlsafe_b64encode(forged).rstrip(b"=").decode(), index="FEED")


def test_a_well_signed_cursor_with_an_empty_position_is_rejected() -> None:
    with pytest.raises(InvalidCursor):
        CODEC.decode(CODEC.encode("FEED", ""), index="FEED")


def test_a_cursor_of_another_index_is_foreign() -> None:
    cursor = CODEC.encode("TAG#portmere", POSITION)
    with pytest.raises(InvalidCursor, match="another list"):
        CODEC.decode(cursor, index="TAG#festivals")
    with pytest.raises(InvalidCursor, match="another list"):
        CODEC.decode(cursor, index="FEED")


def test_a_cursor_signed_with_another_key_is_rejected() -> None:
    other = CursorCodec(fallback_secret("another-table"))
    with pytest.raises(InvalidCursor):
        CODEC.decode(other.encode("FEED", POSITION), index="FEED")


def test_fallback_secret_is_stable_per_table() -> None:
    assert fallback_secret("t1") == fallback_secret("t1") != fallback_secret("t2")


@pytest.mark.parametrize("garbage", ["", "=", "====", "not a cursor", "é", "a" * 5000, "AAAA", "%00", "\x00"])
def test_garbage_is_rejected_as_invalid_cursor(garbage: str) -> None:
    with pytest.raises(InvalidCursor):
        CODEC.decode(garbage, index="FEED")


@settings(max_examples=1000, deadline=None)
@given(st.one_of(st.text(max_size=300), st.binary(max_size=200).map(lambda b: base64.urlsafe_b64encode(b).decode())))
def test_any_text_is_either_a_valid_cursor_or_invalid_cursor_never_another_error(text: str) -> None:
    try:
        position = CODEC.decode(text, index="FEED")
    except InvalidCursor:
        return
    assert CODEC.encode("FEED", position) == text


@given(st.binary(max_size=120))
def test_any_bytes_encoded_as_base64url_are_rejected(data: bytes) -> None:
    with pytest.raises(InvalidCursor):
        CODEC.decode(base64.urlsafe_b64encode(data).rstrip(b"=").decode(), index="FEED")
