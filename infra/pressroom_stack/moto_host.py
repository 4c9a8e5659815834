"""moto in a process of its own, so that its work and the functions' run on two cores, not under one GIL.

The local stack starts ``python -m pressroom_stack.moto_host`` and talks to it in JSON lines on its stdin and
stdout; AWS requests go to the moto server it hosts, over HTTP as before. The host installs what must run beside
moto's backends (the extensions of ``moto_gaps``, the patches of ``moto_server`` and ``moto_speedups``) and applies
the template's gaps when asked (``apply_gaps`` reads moto's own resource map). It runs in a session of its own and
ignores Ctrl-C: the local stack stops it (``stop``), and it stops by itself when its stdin closes, so it never
outlives the local stack. Its clock follows the parent's (``--now``).

Messages (one JSON object a line): the host says ``{"ready": [host, port]}`` once serving; then each request
``{"apply_gaps": {...}}`` is answered ``{"gaps": [...]}`` or ``{"error": "..."}``; ``{"stop": true}`` or the end of
stdin stops it.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import logging
import os
import queue
import signal
import subprocess
import sys
import threading
import time
import traceback
import warnings
from collections.abc import Iterator
from typing import IO, Any

from pressroom_stack.moto_gaps import Gap

READY_TIMEOUT_S = 60
CLOCK_TOLERANCE_S = 5.0  # more than a start-up takes


class MotoHostError(RuntimeError):
    """The moto host did not start, or failed a request."""


class MotoHost:
    """The parent's handle on the moto host process. The host's clock follows the parent's: a parent whose clock was
    moved (``time_machine`` in the tests) has the host travel to the same instant, so S3's ``LastModified`` and the
    functions' clock agree."""

    def __init__(self, host: str, port: int) -> None:
        command = [sys.executable, "-m", "pressroom_stack.moto_host", "--host", host, "--port", str(port)]
        self._process = subprocess.Popen(  # noqa: S603  # nosec B603 - our own module, with this interpreter
            [*command, "--now", repr(time.time())],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
            start_new_session=True,  # Ctrl-C in a terminal reaches the stack, which stops the host
        )
        self._answers: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, name="moto-host-answers", daemon=True).start()
        self._lock = threading.Lock()
        try:
            ready = self._receive(timeout=READY_TIMEOUT_S)
            if "ready" not in ready:
                raise MotoHostError(f"moto did not start: {ready.get('error', ready)}")
            self.host, self.port = str(ready["ready"][0]), int(ready["ready"][1])
        except BaseException:  # Ctrl-C while it starts included: no host is left behind
            self.stop()
            raise

    @property
    def pid(self) -> int:
        return self._process.pid

    def apply_gaps(self, transformed: dict[str, Any], stack_name: str, **options: Any) -> list[Gap]:
        """``moto_gaps.apply_gaps`` in the host (it reads moto's resource map)."""
        with self._lock:
            self._send({"apply_gaps": {"transformed": transformed, "stack_name": stack_name, **options}})
            answer = self._receive(timeout=READY_TIMEOUT_S)
        if "gaps" not in answer:
            raise MotoHostError(f"applying the template's gaps failed in the moto host:\n{answer.get('error')}")
        return [Gap(**gap) for gap in answer["gaps"]]

    def stop(self) -> None:
        with contextlib.suppress(BrokenPipeError, OSError, ValueError):
            self._send({"stop": True})
        with contextlib.suppress(BrokenPipeError, OSError, ValueError):
            assert self._process.stdin is not None  # nosec B101 - narrows a type: stdin is a pipe
            self._process.stdin.close()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()

    def _read(self) -> None:
        """The one reader of the host's answers, until the host closes them."""
        assert self._process.stdout is not None  # nosec B101 - narrows a type: stdout is a pipe
        with self._process.stdout:
            for line in self._process.stdout:
                self._answers.put(line)

    def _send(self, message: dict[str, Any]) -> None:
        assert self._process.stdin is not None  # nosec B101 - narrows a type: stdin is a pipe
        self._process.stdin.write(json.dumps(message) + "\n")
        self._process.stdin.flush()

    def _receive(self, *, timeout: float) -> dict[str, Any]:
        try:
            line = self._answers.get(timeout=timeout)
        except queue.Empty:
            code = self._process.poll()
            state = f"exited with {code}" if code is not None else f"gave no answer in {timeout:.0f} s"
            return {"error": f"the moto host {state} (its errors are above)"}
        try:
            return dict(json.loads(line))
        except ValueError:
            return {"error": f"the moto host answered what is not its protocol: {line[:200]!r}"}


# ---------------------------------------------------------------------------------------------- the host itself


@contextlib.contextmanager
def moto_patched() -> Iterator[None]:
    """What the host installs beside moto's backends while it serves."""
    from pressroom_stack.moto_gaps import install_moto_extensions
    from pressroom_stack.moto_server import models_untracked, one_request_at_a_time, routing_cached
    from pressroom_stack.moto_speedups import fast_moto_dynamodb

    install_moto_extensions()
    with one_request_at_a_time(), fast_moto_dynamodb(), routing_cached(), models_untracked():
        yield


def _apply_gaps(request: dict[str, Any]) -> list[dict[str, Any]]:
    from pressroom_stack.moto_gaps import apply_gaps
    from pressroom_stack.names import local_session

    options = dict(request)
    session = local_session(options.pop("region"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gaps = apply_gaps(options.pop("transformed"), options.pop("stack_name"), session=session, **options)
    return [dataclasses.asdict(gap) for gap in gaps]


def serve(host: str, port: int, commands: IO[str], answers: IO[str]) -> None:
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    logging.getLogger("moto").setLevel(logging.ERROR)  # it warns about every type its CloudFormation skips
    warnings.filterwarnings("ignore", message="Tried to parse .* not supported by moto", category=UserWarning)

    def say(message: dict[str, Any]) -> None:
        answers.write(json.dumps(message) + "\n")
        answers.flush()

    with moto_patched():
        server = ThreadedMotoServer(ip_address=host, port=port, verbose=False)
        server.start()
        try:
            say({"ready": list(server.get_host_and_port())})
            for line in commands:
                message = json.loads(line)
                if "stop" in message:
                    break
                try:
                    say({"gaps": _apply_gaps(message["apply_gaps"])})
                except Exception:  # the parent reports it and stops the stack
                    say({"error": traceback.format_exc()})
        finally:
            server.stop()


def _follow_the_parents_clock(now: float | None) -> None:
    """Travel to the parent's instant when its clock differs from this process's (``time_machine``, ticking)."""
    if now is None or abs(now - time.time()) < CLOCK_TOLERANCE_S:
        return
    import time_machine  # a test dependency: only a parent under time_machine has a clock this far off

    time_machine.travel(now, tick=True).start()


def main() -> None:
    parser = argparse.ArgumentParser(description="moto for the local stack (started by it; not for direct use)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--now", type=float, help="the parent's clock (seconds since the epoch) when it started us")
    args = parser.parse_args()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the local stack's to handle: it stops us
    _follow_the_parents_clock(args.now)
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "w")  # the answers' own pipe: a stray print goes to stderr
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    try:
        serve(args.host, args.port, sys.stdin, answers)
    except Exception:
        answers.write(json.dumps({"error": traceback.format_exc()}) + "\n")
        answers.flush()
        raise SystemExit(1) from None


if __name__ == "__main__":
    main()
