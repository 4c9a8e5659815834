"""Fixtures shared by the integration tests of the read API over articles the real ingest handler published."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pressroom.handlers import api, ingest
from tests.conftest import Resources


@pytest.fixture
def fresh_roots(resources: Resources, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Both composition roots built afresh from the environment, with no API settings left from another test."""
    for name in ("PUBLIC_BASE_URL", "CORS_ALLOW_ORIGINS", "CURSOR_SECRET"):
        monkeypatch.delenv(name, raising=False)
    api.default_root.cache_clear()
    ingest.ingest_service.cache_clear()
    yield
    api.default_root.cache_clear()
    ingest.ingest_service.cache_clear()
