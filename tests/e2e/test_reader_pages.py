"""A reader in a real browser: headless Chromium opens the front page and an article page of the running local
stack and sees the headline, the body text and the lead image, without a script error; screenshots are kept as
test artifacts (paths printed)."""

from __future__ import annotations

import json
import os
import struct
import threading
import uuid
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests

from pressroom_stack.local import LocalStack, wait_until
from tests.clock import ago
from tests.e2e.browser import Browser, chromium_path, save

pytestmark = pytest.mark.e2e

HEADLINE = "Kestrel Rovers knock out the cup holders in a late thriller"
BODY_SENTENCE = "The winner came in the final minute, when a low cross found the striker at the far post."


def png(width: int, height: int) -> bytes:
    """A small landscape picture (sky over sea), made here: the browser may load nothing from outside."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(
        b"\0" + (bytes((40, 90, 160)) if y < height * 0.6 else bytes((20, 60, 90 + y % 12))) * width
        for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


@pytest.fixture(scope="module")
def image_url() -> Iterator[str]:
    """A lead image served on loopback, like a newsroom's image server."""
    picture = png(960, 480)

    class Images(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(picture)))
            self.end_headers()
            self.wfile.write(picture)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Images)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/lead.png"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = chromium_path()
    if executable is None:
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium is not installed: `make test` installs Debian's chromium package as root")
        pytest.skip("Chromium is not installed (`make test` installs Debian's chromium package when run as root)")
    with Browser(executable) as chromium:
        yield chromium


def publish(stack: LocalStack, image_url: str) -> str:
    slug = f"kestrel-rovers-{uuid.uuid4().hex[:8]}"
    upload = {
        "title": HEADLINE,
        "body": (
            "Kestrel Rovers beat Portmere City 2-1 on Saturday to reach the quarter-finals.\n\n"
            f"{BODY_SENTENCE}\n\n"
            "The club meets Harbourside in the next round, at home, on the first Saturday of the month."
        ),
        "summary": "Kestrel Rovers beat Portmere City 2-1 with a winner in the final minute.",
        "published_at": ago(minutes=1),
        "slug": slug,
        "author": "Ada Byron",
        "section": "Sport",
        "tags": ["football"],
        "image": {"url": image_url, "alt": "Kestrel Rovers players celebrate the late winner"},
    }
    bucket = stack.outputs["ArticlesBucketName"]
    stack.client("s3").put_object(Bucket=bucket, Key=f"incoming/{slug}.json", Body=json.dumps(upload).encode())
    wait_until(lambda: requests.get(f"{stack.api_url}/articles/{slug}", timeout=5).status_code == 200, timeout=10)
    return slug


def test_a_reader_sees_the_front_page_and_the_article_in_a_browser(
    local_stack: LocalStack, image_url: str, browser: Browser, tmp_path: Path, record_property: Any
) -> None:
    slug = publish(local_stack, image_url)

    front = browser.visit(f"{local_stack.api_url}/")
    article = browser.visit(f"{local_stack.api_url}/news/{slug}")

    for name, visit in (("front-page", front), ("article-page", article)):
        path = save(visit, tmp_path, name)
        record_property(f"{name}-screenshot", str(path))
        print(f"screenshot of {visit.url}: {path}")
    assert (front.status, front.errors, front.lang) == (200, [], "en")
    assert HEADLINE in front.text
    assert "Kestrel Rovers beat Portmere City 2-1 with a winner in the final minute." in front.text
    assert (article.status, article.errors, article.lang) == (200, [], "en")
    assert article.title == f"{HEADLINE} · Pressroom"
    assert HEADLINE in article.text and BODY_SENTENCE in article.text
    assert "By Ada Byron" in article.text and "Sport".upper() in article.text.upper()
    assert article.images == [("Kestrel Rovers players celebrate the late winner", 960)]


def test_a_browser_that_follows_an_old_json_link_reads_the_page(local_stack: LocalStack, browser: Browser) -> None:
    response = requests.get(f"{local_stack.api_url}/articles/no-such-story", headers={"Accept": "text/html"},
                            allow_redirects=False, timeout=5)  # fmt: skip
    assert response.status_code == 303
    assert response.headers["Location"] == f"{local_stack.api_url}/news/no-such-story"
    missing = browser.visit(f"{local_stack.api_url}/articles/no-such-story")
    assert (missing.status, missing.errors) == (404, [])
    assert "There is no page at this address." in missing.text


def test_head_through_the_local_api_states_the_gets_content_length(local_stack: LocalStack) -> None:
    for path in ("/", "/feed.xml", "/sitemap.xml", "/no-such-route"):
        get = requests.get(f"{local_stack.api_url}{path}", timeout=5)
        head = requests.head(f"{local_stack.api_url}{path}", timeout=5)
        assert head.status_code == get.status_code and head.content == b""
        assert head.headers["Content-Length"] == str(len(get.content)) != "0", path
        assert head.headers["ETag" if get.status_code == 200 else "Cache-Control"] == get.headers.get(
            "ETag" if get.status_code == 200 else "Cache-Control"
        )
