"""`pressroom validate` and the pipeline share one code path (``preparing.prepare``): for every input in the
bad-input corpus, the samples and the hostile cases below, validate says `ok` exactly when the pipeline publishes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from pressroom.handlers import ingest
from pressroom.services import Ingest, Outcome
from pressroom_stack.cli import main
from tests.clock import ago, ahead
from tests.conftest import EXAMPLES, Resources
from tests.helpers import article, put_article

pytestmark = pytest.mark.integration
CORPUS = Path(__file__).parent.parent / "corpus" / "files"
HOSTILE: dict[str, bytes] = {
    "big-int.json": json.dumps({**article("Big"), "section": None}).replace("null", "1" * 4301).encode(),
    "overflowing-offset.json": json.dumps(article("Offset", published_at="0001-01-01T00:00:00+05:00")).encode(),
    "future-updated-at.json": json.dumps(article("Future", updated_at=ahead(days=400))).encode(),
    "lone-surrogate.json": b'{"title": "Bad \\ud800 title", "body": "Body.", "published_at": "2020-01-01"}',
    "many-promos.json": json.dumps(
        article("Promos", body="Body.\n\n" + "\n\n".join(f"WATCH: Story {n}" for n in range(120)))
    ).encode(),
    "fine.json": json.dumps(article("Fine", updated_at=ago(days=1))).encode(),
}


def inputs() -> list[tuple[str, bytes]]:
    files = sorted(CORPUS.iterdir()) + sorted(EXAMPLES.glob("*.json"))
    return [(p.name, p.read_bytes()) for p in files] + sorted(HOSTILE.items())


@pytest.mark.parametrize(("name", "data"), inputs(), ids=[name for name, _ in inputs()])
def test_validate_says_ok_exactly_when_the_pipeline_publishes(
    resources: Resources, tmp_path: Path, name: str, data: bytes
) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code in (0, 1) and "Traceback" not in result.output, result.output
    ingest.ingest_service.cache_clear()
    service: Ingest = ingest.ingest_service()
    record: Any = put_article(resources.bucket, f"incoming/{name}", data)
    from pressroom.events import S3EventRecord

    outcome = service.handle(S3EventRecord.model_validate(record)).outcome
    assert outcome in (Outcome.PUBLISHED, Outcome.STORED_DRAFT, Outcome.UNPUBLISHED, Outcome.IGNORED, Outcome.REJECTED)
    assert (result.exit_code == 0) == (outcome is not Outcome.REJECTED), (name, result.output, outcome)


def test_validate_reads_folders_and_standard_input(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text(json.dumps(article("A")), encoding="utf-8")
    (tmp_path / "nested").mkdir()
    (tmp_path / "nested" / "b.json").write_text("{}", encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", str(tmp_path)])
    assert result.exit_code == 1
    assert (
        f"{tmp_path / 'a.json'}: ok" in result.output and f"{tmp_path / 'nested' / 'b.json'}: title:" in result.output
    )
    piped = CliRunner().invoke(main, ["validate", "-"], input=json.dumps(article("Piped")))
    assert (piped.exit_code, piped.output) == (0, "-: ok\n")
