"""The tag registry on the read side: every tag in a response carries its provenance (documented in the OpenAPI
document), and an old tag slug (merged or renamed) answers with the canonical tag: a tag route redirects (``301``,
query kept) and ``?tag=`` lists the canonical tag. Only tag routes read the rules."""

from __future__ import annotations

from typing import Any

import pytest

from pressroom import web
from pressroom.config import ApiSettings
from pressroom.handlers import api
from pressroom.models import Tag
from pressroom.registry import TagRules
from tests.fakes import InMemoryRegistry
from tests.fakes_api import InMemoryFeed, make_article
from tests.unit.test_api import NOW, Client

API = "https://abc123defg.execute-api.us-east-1.amazonaws.com/dev"
ZOE = Tag(name="Zoë Saldaña", slug="zoe-saldana", kind="person", score=0.9)


class RegistryClient(Client):
    """The API over the fake feed and a fake registry whose rules merged ``saldana`` into ``zoe-saldana``."""

    def __init__(self, feed: InMemoryFeed, registry: InMemoryRegistry) -> None:
        self.feed, self.now = feed, NOW
        config = ApiSettings.model_validate({"TABLE_NAME": "pressroom-feed-test"})
        self.root = api.build_root(feed, config, clock=lambda: self.now, tags=registry)


@pytest.fixture
def registry() -> InMemoryRegistry:
    registry = InMemoryRegistry()
    registry.save_rules(TagRules().merge("saldana", "zoe-saldana", target_name="Zoë Saldaña"), expected_version=0)
    return registry


@pytest.fixture
def client(registry: InMemoryRegistry) -> RegistryClient:
    feed = InMemoryFeed()
    for n in range(5):
        feed.publish(make_article(n, tags=[ZOE]))
    return RegistryClient(feed, registry)


def test_every_served_tag_has_a_provenance_and_the_openapi_document_says_so() -> None:
    feed = InMemoryFeed()
    feed.publish(make_article(1))
    client = Client(feed)
    document = client.get("/openapi.json").json()
    tag = document["components"]["schemas"]["Tag"]
    assert tag["properties"]["provenance"]["enum"] == ["editorial", "extracted", "registry"]
    assert set(tag["required"]) == {"name", "slug", "kind", "score", "provenance"}
    served = client.get("/articles/article-1").json()["tags"]
    assert [t["provenance"] for t in served] == ["extracted"]
    moved = {path for path, item in document["paths"].items() if "301" in item["get"]["responses"]}
    assert moved == {"/tags/{tag}", "/tags/{tag}/articles", *(f"/tags/{{tag}}/{f}" for f in api.FEED_FORMATS)}


@pytest.mark.parametrize(
    ("path", "query", "location"),
    [
        ("/tags/saldana/articles", {"limit": "2"}, "/tags/zoe-saldana/articles?limit=2"),
        ("/tags/Saldana/articles", None, "/tags/zoe-saldana/articles"),
        ("/tags/saldana", None, "/tags/zoe-saldana"),
        ("/tags/saldana/feed.xml", None, "/tags/zoe-saldana/feed.xml"),
        ("/tags/saldana/atom.xml", None, "/tags/zoe-saldana/atom.xml"),
        ("/tags/saldana/feed.json", None, "/tags/zoe-saldana/feed.json"),
    ],
)
def test_a_merged_tags_routes_redirect_to_the_canonical_tag(
    client: RegistryClient, path: str, query: dict[str, str] | None, location: str
) -> None:
    reply = client.request("GET", path, query=query)
    assert (reply.status, reply.headers["Location"]) == (301, API + location)
    assert reply.headers["Cache-Control"] == web.CONTENT_CACHE and reply.body == ""
    followed = client.request("GET", location.split("?")[0], query=query)
    assert followed.status == 200
    head = client.request("HEAD", path, query=query)
    assert (head.status, head.headers["Location"], head.body) == (301, API + location, "")


def test_the_tag_filter_of_a_merged_tag_lists_the_canonical_tag_and_pages_through_it(client: RegistryClient) -> None:
    first = client.get("/articles", tag="Saldana", limit="3").json()
    assert [i["id"] for i in first["items"]] == ["a-4", "a-3", "a-2"]
    second = client.get("/articles", tag="saldana", limit="3", cursor=first["next_cursor"]).json()
    assert [i["id"] for i in second["items"]] == ["a-1", "a-0"]
    direct = client.get("/tags/zoe-saldana/articles", limit="3", cursor=first["next_cursor"])
    assert [i["id"] for i in direct.json()["items"]] == ["a-1", "a-0"]


def test_a_canonical_or_unknown_tag_is_served_as_before(client: RegistryClient) -> None:
    assert client.get("/tags/zoe-saldana/articles").status == 200
    assert client.get("/tags/portmere/articles").json()["items"] == []
    assert client.get("/tags/!!!/articles").status == 404


def test_only_tag_routes_read_the_rules(client: RegistryClient, registry: InMemoryRegistry) -> None:
    reads = registry.reads
    for path in ("/articles", "/articles/article-1", "/feed.xml", "/", "/news/article-1", "/sections/entertainment"):
        assert client.get(path).status == 200, path
    assert registry.reads == reads
    client.get("/tags/zoe-saldana")
    assert registry.reads == reads + 1


def test_without_a_registry_an_alias_slug_is_just_another_tag(registry: InMemoryRegistry) -> None:
    feed: Any = InMemoryFeed()
    feed.publish(make_article(1, tags=[Tag(name="Saldana", slug="saldana", kind="person", score=0.5)]))
    reply = Client(feed).get("/tags/saldana/articles")
    assert reply.status == 200 and [i["id"] for i in reply.json()["items"]] == ["a-1"]
