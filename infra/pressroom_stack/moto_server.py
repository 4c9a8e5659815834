"""moto's server, made safe for the concurrent requests the local stack sends it.

``ThreadedMotoServer`` serves each request on its own thread, but moto's backends are plain Python objects that
are not thread-safe: a ``TransactWriteItems`` deep-copies the table while a concurrent ``GetItem`` of a missing
key adds an entry to the table's ``defaultdict`` (``RuntimeError: dictionary changed size during iteration``, a
``500``, retried by botocore), and SQS receives race with sends and deletes. :func:`one_request_at_a_time` has the
server run one request's backend work at a time; an SQS long poll waits for messages *outside* the lock, so idle
pollers never hold up the rest. HTTP parsing and response writing stay concurrent, and the functions' own work is
untouched, so the cost is small: moto's work holds its process's GIL anyway (the local stack runs moto in a
process of its own, ``moto_host``, so that lock is moto's alone).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

_lock = threading.Lock()
_held = threading.local()


def _run_locked(call: Any) -> Any:
    def locked(self: Any, *args: Any, **kwargs: Any) -> Any:
        with _lock:
            _held.value = True
            try:
                return call(self, *args, **kwargs)
            finally:
                _held.value = False

    return locked


def _wait_unlocked(wait: Any) -> Any:
    def unlocked(self: Any, timeout: int) -> None:
        if not getattr(_held, "value", False):
            return wait(self, timeout)
        _held.value = False
        _lock.release()
        try:
            return wait(self, timeout)
        finally:
            _lock.acquire()
            _held.value = True

    return unlocked


@contextlib.contextmanager
def one_request_at_a_time() -> Iterator[None]:
    """While active, moto's server handles one request at a time (an SQS long poll waits without the lock)."""
    from moto.core.utils import convert_to_flask_response
    from moto.sqs.models import Queue

    original_call, original_wait = convert_to_flask_response.__call__, Queue.wait_for_messages
    convert_to_flask_response.__call__ = _run_locked(original_call)  # type: ignore[method-assign]
    Queue.wait_for_messages = _wait_unlocked(original_wait)  # type: ignore[method-assign]
    try:
        yield
    finally:
        convert_to_flask_response.__call__ = original_call  # type: ignore[method-assign]
        Queue.wait_for_messages = original_wait  # type: ignore[method-assign]


@contextlib.contextmanager
def routing_cached() -> Iterator[None]:
    """While active, moto's server routes a request without listing its own package folder again (it lists the
    folder, ``os.listdir`` and ``isdir`` of every entry, for each request; a tenth of a GetItem's time)."""
    from moto import backends

    original = backends.list_of_moto_modules
    modules = frozenset(original())
    backends.list_of_moto_modules = lambda: modules
    try:
        yield
    finally:
        backends.list_of_moto_modules = original


@contextlib.contextmanager
def models_untracked() -> Iterator[None]:
    """While active, moto keeps no list of every model object it makes. It appends each one to its class's
    ``instances_tracked`` for its dashboard and for S3's reset, and never lets go while the server runs: every item
    copy of every Query answer, every message, every key version. The local stack's moto grew by 0.7 MB an article
    (10.8 GB in a 10,000-article reindex). A local stack uses no dashboard, its one reset (at start) finds nothing
    to dispose of, and an object moto no longer holds is freed as any other (an S3 key's buffer with it)."""
    from moto.core.common_models import BaseModel

    original = BaseModel.__dict__["__new__"]
    BaseModel.__new__ = staticmethod(lambda cls, *args, **kwargs: super(BaseModel, cls).__new__(cls))  # type: ignore[method-assign]
    try:
        yield
    finally:
        BaseModel.__new__ = original  # type: ignore[method-assign]
