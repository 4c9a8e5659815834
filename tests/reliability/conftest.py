from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.moto_speedups import fast_moto_dynamodb


@pytest.fixture(autouse=True)
def _fast_moto() -> Iterator[None]:
    with fast_moto_dynamodb():
        yield
