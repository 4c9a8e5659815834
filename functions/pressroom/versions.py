"""The order of the versions of one upload key: which of two versions is the newer one.

A version is what one PUT of a key stored: its content (ETag), S3's ``LastModified`` (1-second resolution), the
notification's ``sequencer`` (present in real S3 events, absent in moto's) and the editor's ``updated_at``, if any.

The rule (README, "Reliability"):

1. The same content (ETag) of the same key is the same version: a redelivery or a re-upload of identical bytes.
2. Otherwise the version with the later *time* is newer, where the time is the editor's ``updated_at`` when the
   upload has one and S3's ``LastModified`` when it has none.
3. Equal times (same-second uploads without ``updated_at``, or equal ``updated_at``): the later S3 ``sequencer``
   wins, compared as S3 documents it (the shorter one right-padded with zeros, then compared as strings).
4. Without sequencers to compare, the version that is S3's *current* object for the key wins: the caller asks S3.

Never a hash of the content: which of two different contents wins is S3's order, not chance.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

_HEX = re.compile(r"^[0-9A-F]+$")


class Order(StrEnum):
    NEWER = "newer"
    OLDER = "older"
    SAME = "same"
    UNDECIDED = "undecided"  # rule 4: ask S3 which one is current


@dataclass(frozen=True)
class Version:
    time: datetime
    etag: str
    sequencer: str | None = None

    @classmethod
    def of(cls, *, updated_at: datetime | None, last_modified: datetime, etag: str, sequencer: str | None) -> Version:
        moment = (updated_at or last_modified).astimezone(UTC)
        seq = sequencer.upper() if sequencer and _HEX.match(sequencer.upper()) else None
        return cls(time=moment, etag=etag.strip('"'), sequencer=seq)

    def compare(self, other: Version) -> Order:
        """How ``self`` stands to ``other`` (two versions of one key)."""
        if self.etag == other.etag:
            return Order.SAME
        if self.time != other.time:
            return Order.NEWER if self.time > other.time else Order.OLDER
        if self.sequencer and other.sequencer:
            width = max(len(self.sequencer), len(other.sequencer))
            mine, theirs = self.sequencer.ljust(width, "0"), other.sequencer.ljust(width, "0")
            if mine != theirs:
                return Order.NEWER if mine > theirs else Order.OLDER
        return Order.UNDECIDED

    def __str__(self) -> str:
        return f"{self.time:%Y-%m-%dT%H:%M:%S.%fZ}|{self.sequencer or ''}|{self.etag}"

    @classmethod
    def parse(cls, text: str) -> Version:
        """The inverse of ``str``. Versions stored before sequencers were kept (``time|second|digest``) parse too:
        their middle part is not hex, so they carry no sequencer, and their digest never equals an ETag."""
        time_part, _, rest = text.partition("|")
        middle, _, etag = rest.partition("|")
        moment = datetime.strptime(time_part, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
        return cls(time=moment, etag=etag, sequencer=middle if _HEX.match(middle) else None)
