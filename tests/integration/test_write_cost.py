"""What publishing costs in DynamoDB write units (issue 10 item 8), measured on moto with the units billed from item
sizes (``bench.aws_calls.write_units``: moto's ConsumedCapacity is a constant per call): at most
``bench.cost.MAX_WRITE_UNITS`` per written article on the samples, and for the typical (median) sample."""

from __future__ import annotations

import pytest

from bench import cost
from bench.ingest import ingest_on_moto

pytestmark = pytest.mark.integration


def test_publishing_the_samples_costs_at_most_20_write_units_per_article() -> None:
    ingest = ingest_on_moto(copies=1)
    assert ingest["outcomes"] == {"published": 12, "draft": 1}
    assert ingest["dynamodb_write_units_per_written_article"] <= cost.MAX_WRITE_UNITS
    assert ingest["calls_per_article"].get("dynamodb.TransactWriteItems", 0) == 0  # single-item writes only


def test_a_typical_article_costs_at_most_20_write_units_and_every_index_entry_one() -> None:
    figures = cost.article_write_units()
    assert len(figures["published_samples"]) == 12
    assert figures["typical"]["write_units"] <= cost.MAX_WRITE_UNITS
    assert figures["largest_index_entry_bytes"] <= 1024  # entries of the samples and of the large article
    assert figures["typical"]["write_units"] < figures["large"]["write_units"] <= 30


def test_a_typical_article_item_fits_in_two_write_units() -> None:
    """The article item is written on every save: its index names are not stored when they are the article's own,
    and its document is compressed with the article dictionary (``preparing.ARTICLE_ZDICT``)."""
    figures = cost.article_write_units()
    assert figures["article_item_bytes"]["typical"] <= 2 * 1024
