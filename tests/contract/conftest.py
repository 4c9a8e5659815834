"""Each contract test runs twice: on the hand-written fake and on the moto-backed adapter."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from pressroom.adapters.dynamodb_feed import DynamoDBFeed
from pressroom.adapters.s3_source import S3ArticleSource
from tests.fakes import InMemoryBucket, InMemoryFeed
from tests.helpers import MotoBucket


@pytest.fixture(params=["fake", "moto"])
def feed(request: pytest.FixtureRequest) -> Any:
    """A ``FeedStore``: ``InMemoryFeed`` or ``DynamoDBFeed`` on moto."""
    if request.param == "fake":
        return InMemoryFeed()
    return DynamoDBFeed(request.getfixturevalue("resources").table)


@dataclass
class Bucket:
    """An ``ArticleSource`` and the editors' side of the same bucket."""

    source: Any
    editor: Any


@pytest.fixture(params=["fake", "moto"])
def bucket(request: pytest.FixtureRequest) -> Bucket:
    if request.param == "fake":
        fake = InMemoryBucket(clock=lambda: datetime.now(UTC))
        return Bucket(source=fake, editor=fake)
    name = request.getfixturevalue("resources").bucket
    return Bucket(source=S3ArticleSource(name), editor=MotoBucket(name))
