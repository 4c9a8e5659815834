"""Opaque, tamper-evident page cursors for the read API.

A cursor is ``base64url(version byte + index name + NUL + position + MAC)`` without padding, where the MAC is the
first 16 bytes of HMAC-SHA256 over the version, index and position. The position is the sort key of the last item
of the previous page (``IndexPage.last_position``).

The goal is **tamper evidence, not secrecy**: anyone can base64-decode a cursor and read the index name and the
timestamp in it, but nobody without the key can forge or alter one. A cursor is only accepted on the route that
issued it: its index must equal the route's index, so a cursor from another tag, section or list is *foreign*.

The key comes from ``CURSOR_SECRET`` when set; otherwise :func:`fallback_secret` derives a per-deployment key from
the table name. That fallback keeps cursors stable across cold starts and instances with zero configuration, and is
enough for tamper evidence against clients who do not know the scheme; set ``CURSOR_SECRET`` (e.g. from a
generated template parameter) to make forgery infeasible even for someone who knows the table name.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

_VERSION = b"\x01"
_MAC_BYTES = 16
_SEPARATOR = b"\x00"
MAX_CURSOR_CHARS = 1024


class InvalidCursor(ValueError):
    """The cursor was modified, truncated, issued for another index, or is not a cursor at all."""


def fallback_secret(table_name: str) -> bytes:
    """The per-deployment key used when ``CURSOR_SECRET`` is not set (tamper evidence, not secrecy)."""
    return hashlib.sha256(b"pressroom-cursor-v1:" + table_name.encode()).digest()


class CursorCodec:
    """Encodes index positions into cursors and decodes them back, checking integrity and origin."""

    def __init__(self, secret: bytes) -> None:
        if not secret:
            raise ValueError("the cursor secret must not be empty")
        self._key = secret

    def _mac(self, payload: bytes) -> bytes:
        return hmac.new(self._key, payload, hashlib.sha256).digest()[:_MAC_BYTES]

    def encode(self, index: str, position: str) -> str:
        """A cursor that resumes ``index`` after ``position``."""
        payload = _VERSION + index.encode() + _SEPARATOR + position.encode()
        return base64.urlsafe_b64encode(payload + self._mac(payload)).rstrip(b"=").decode("ascii")

    def decode(self, cursor: str, *, index: str) -> str:
        """The position stored in ``cursor``, never empty; raises :class:`InvalidCursor` unless it is intact, was
        issued for ``index`` and names a position (a cursor forged with the key must not reach the store either)."""
        if not cursor or len(cursor) > MAX_CURSOR_CHARS:
            raise InvalidCursor("the cursor is empty or too long; pass back next_cursor exactly as received")
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
            canonical = base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")
        except (binascii.Error, ValueError):
            raise InvalidCursor(
                "the cursor is not valid base64url; pass back next_cursor exactly as received"
            ) from None
        if canonical != cursor or len(raw) <= _MAC_BYTES + 2:
            raise InvalidCursor("the cursor is truncated or malformed; pass back next_cursor exactly as received")
        payload, mac = raw[:-_MAC_BYTES], raw[-_MAC_BYTES:]
        if not hmac.compare_digest(mac, self._mac(payload)):
            raise InvalidCursor("the cursor was modified or truncated; pass back next_cursor exactly as received")
        if payload[:1] != _VERSION or _SEPARATOR not in payload:
            raise InvalidCursor("the cursor format is not supported; start again without a cursor")
        cursor_index, _, position = payload[1:].partition(_SEPARATOR)
        if cursor_index != index.encode():
            raise InvalidCursor("the cursor belongs to another list; use it only with the route that returned it")
        if not position:
            raise InvalidCursor("the cursor names no position; start again without a cursor")
        try:
            return position.decode()
        except UnicodeDecodeError:
            raise InvalidCursor("the cursor is malformed; start again without a cursor") from None
