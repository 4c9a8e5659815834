"""The tag registry on the read side: every tag in a response carries its provenance (documented in the OpenAPI
document), and an old tag slug (merged or renamed) answers with the canonical tag."""

from __future__ import annotations

from tests.fakes_api import InMemoryFeed, make_article
from tests.unit.test_api import Client


def test_every_served_tag_has_a_provenance_and_the_openapi_document_says_so() -> None:
    feed = InMemoryFeed()
    feed.publish(make_article(1))
    client = Client(feed)
    tag = client.get("/openapi.json").json()["components"]["schemas"]["Tag"]
    assert tag["properties"]["provenance"]["enum"] == ["editorial", "extracted", "registry"]
    assert set(tag["required"]) == {"name", "slug", "kind", "score", "provenance"}
    served = client.get("/articles/article-1").json()["tags"]
    assert [t["provenance"] for t in served] == ["extracted"]
