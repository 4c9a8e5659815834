"""Article events to an EventBridge bus (source ``pressroom``). All boto3 of EventBridge lives here."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import boto3

from pressroom.notices import SOURCE, ArticleEvent

if TYPE_CHECKING:
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_events.type_defs import PutEventsRequestEntryTypeDef

_BATCH = 10


class EventsNotSent(Exception):
    """EventBridge refused some entries (throttling, internal errors): a transient fault, retried by the caller."""


class EventBridgeSink:
    """Implements ``EventSink`` with PutEvents, ten entries a call; any failed entry raises ``EventsNotSent``."""

    def __init__(self, bus_name: str, *, client: EventBridgeClient | None = None) -> None:
        self.bus_name = bus_name
        self._client = client or boto3.client("events")

    def emit(self, events: Sequence[ArticleEvent]) -> None:
        for start in range(0, len(events), _BATCH):
            entries: list[PutEventsRequestEntryTypeDef] = [
                {
                    "Source": SOURCE,
                    "DetailType": event.detail_type,
                    "Detail": event.to_json_detail(),
                    "EventBusName": self.bus_name,
                }
                for event in events[start : start + _BATCH]
            ]
            response = self._client.put_events(Entries=entries)
            if response.get("FailedEntryCount"):
                codes = sorted({e.get("ErrorCode", "?") for e in response["Entries"] if e.get("ErrorCode")})
                raise EventsNotSent(f"{response['FailedEntryCount']} event(s) not sent: {', '.join(codes)}")
