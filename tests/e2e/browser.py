"""Headless Chromium driven over the DevTools protocol (``--remote-debugging-pipe``), with the standard library only:
load a page, read what a person would see (the rendered text), collect the errors the page raised (uncaught
exceptions, console errors, CSP and other browser log errors) and take a screenshot.

The browser runs with a new empty profile, no GPU, no background networking, and a host resolver that resolves
nothing but loopback, so a page can reach the local stack and nothing else."""

from __future__ import annotations

import base64
import fcntl
import json
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--mute-audio",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
    "--remote-debugging-pipe",
]


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@dataclass
class Visit:
    """What a page showed: its HTTP status, title, rendered text and language, its images (alt text and the width
    the browser decoded: 0 if it did not load), the errors it raised, and its screenshot (PNG)."""

    url: str
    status: int | None
    title: str
    text: str
    lang: str
    images: list[tuple[str, int]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    screenshot: bytes = b""


class Browser:
    """One Chromium process; :meth:`visit` loads pages in its one tab."""

    def __init__(self, executable: str, *, width: int = 1000, height: int = 900) -> None:
        self._profile = tempfile.mkdtemp(prefix="pressroom-chromium-")
        to_browser_read, self._to_browser = os.pipe()
        self._from_browser, from_browser_write = os.pipe()
        # Chromium reads commands on fd 3 and writes replies and events on fd 4.
        self._process = subprocess.Popen(
            [executable, *FLAGS, f"--user-data-dir={self._profile}", f"--window-size={width},{height}", "about:blank"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            pass_fds=(3, 4),
            preexec_fn=_dup_to(to_browser_read, from_browser_write),
        )
        os.close(to_browser_read)
        os.close(from_browser_write)
        self._buffer = b""
        self._next_id = 0
        self._events: list[dict[str, Any]] = []
        self._width, self._height = width, height
        targets = self._call("Target.getTargets")["targetInfos"]
        page = next(t for t in targets if t["type"] == "page")
        self._session = self._call("Target.attachToTarget", targetId=page["targetId"], flatten=True)["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self._call(f"{domain}.enable", session=True)
        self._call("Emulation.setDeviceMetricsOverride", session=True, width=width, height=height,
                   deviceScaleFactor=1, mobile=False)  # fmt: skip

    # ------------------------------------------------------------------ protocol

    def _send(self, method: str, params: dict[str, Any], session: bool) -> int:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = self._session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        return self._next_id

    def _receive(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            if time.monotonic() > deadline:
                raise TimeoutError("Chromium did not answer in time")
            chunk = os.read(self._from_browser, 1 << 16)
            if not chunk:
                raise RuntimeError("Chromium closed the DevTools pipe")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(raw)

    def _call(self, method: str, *, session: bool = False, timeout: float = 20.0, **params: Any) -> dict[str, Any]:
        wanted = self._send(method, params, session)
        deadline = time.monotonic() + timeout
        while True:
            message = self._receive(deadline)
            if message.get("id") == wanted:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            if "method" in message:
                self._events.append(message)

    def _wait_for(self, method: str, timeout: float = 20.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        for index, event in enumerate(self._events):
            if event["method"] == method:
                return self._events.pop(index)
        while True:
            message = self._receive(deadline)
            if message.get("method") == method:
                return message
            if "method" in message:
                self._events.append(message)

    def _evaluate(self, expression: str) -> Any:
        result = self._call("Runtime.evaluate", session=True, expression=expression, returnByValue=True)
        return result.get("result", {}).get("value")

    # ------------------------------------------------------------------ use

    def visit(self, url: str) -> Visit:
        """Load ``url``, wait for its load event, and read it as a person would see it."""
        self._events.clear()
        self._call("Page.navigate", session=True, url=url)
        self._wait_for("Page.loadEventFired")
        text = self._evaluate("document.body ? document.body.innerText : ''") or ""
        title = self._evaluate("document.title") or ""
        lang = self._evaluate("document.documentElement.lang") or ""
        images = json.loads(self._evaluate("JSON.stringify([...document.images].map(i => [i.alt, i.naturalWidth]))"))
        height = int(self._evaluate("Math.ceil(document.documentElement.scrollHeight)") or self._height)
        shot = self._call(
            "Page.captureScreenshot",
            session=True,
            format="png",
            captureBeyondViewport=True,
            clip={"x": 0, "y": 0, "width": self._width, "height": min(height, 4000), "scale": 1},
        )
        status, document = None, None
        errors: list[str] = []
        for event in self._events:
            params = event.get("params", {})
            if event["method"] == "Network.responseReceived" and params.get("type") == "Document":
                status, document = params["response"]["status"], params["response"]["url"]
            elif event["method"] == "Runtime.exceptionThrown":
                details = params["exceptionDetails"]
                errors.append(details.get("exception", {}).get("description") or details.get("text", "exception"))
            elif event["method"] == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                errors.append(" ".join(str(a.get("value", a.get("description", ""))) for a in params["args"]))
            elif event["method"] == "Log.entryAdded" and params["entry"]["level"] == "error":
                entry = params["entry"]
                if not (entry["source"] == "network" and entry.get("url") == document):  # its status is `status`
                    errors.append(f"{entry['source']}: {entry['text']} ({entry.get('url', '')})")
        shown = [(str(alt), int(width)) for alt, width in images]
        return Visit(url, status, title, text, lang, shown, errors, base64.b64decode(shot["data"]))

    def close(self) -> None:
        try:
            self._send("Browser.close", {}, session=False)
            self._process.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            self._process.kill()
            self._process.wait(timeout=10)
        finally:
            os.close(self._to_browser)
            os.close(self._from_browser)
            shutil.rmtree(self._profile, ignore_errors=True)

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _dup_to(read_end: int, write_end: int) -> Any:
    def setup() -> None:  # in the child, before it closes every descriptor but 0-2 and pass_fds
        high_read, high_write = fcntl.fcntl(read_end, fcntl.F_DUPFD, 10), fcntl.fcntl(write_end, fcntl.F_DUPFD, 10)
        os.dup2(high_read, 3)
        os.dup2(high_write, 4)

    return setup


def save(visit: Visit, folder: Path, name: str) -> Path:
    path = folder / f"{name}.png"
    path.write_bytes(visit.screenshot)
    return path
