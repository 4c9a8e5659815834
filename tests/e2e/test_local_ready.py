"""Ready means ready: when publishing the samples returns (and `pressroom up` prints Ready), every sample has its
fate in the pipeline's records, and the published ones are served."""

from __future__ import annotations

import pytest
import requests

from pressroom_stack.local import LocalStack

pytestmark = pytest.mark.e2e


def test_the_samples_are_served_when_publishing_them_returns(local_stack: LocalStack) -> None:
    keys = local_stack.publish_samples()
    assert keys and set(local_stack.sample_fates) == set(keys)
    assert "pending" not in {fate.fate for fate in local_stack.sample_fates.values()}
    published = [fate for fate in local_stack.sample_fates.values() if fate.fate == "published"]
    assert published
    assert all(fate.url and requests.get(fate.url, timeout=10).status_code == 200 for fate in published)
    summary = local_stack.summary()
    assert "NOT ready" not in summary and f"{len(published)} published" in summary
