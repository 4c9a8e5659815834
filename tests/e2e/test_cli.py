"""The ``pressroom`` CLI: exit codes (0 ok, 1 failure, 2 usage), ``Error:`` messages, and publish/feed through
the running local stack found by stack name at its endpoint URL."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from pressroom_stack.cli import main
from pressroom_stack.local import LocalStack, free_port

pytestmark = pytest.mark.e2e

VALID = {
    "title": "Kestrel Rovers knock out the cup holders",
    "body": "Kestrel Rovers beat Portmere City 2-1 on Saturday.\n\nThe winner came in the final minute.",
    "published_at": "2020-11-21T18:00:00Z",
}


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def write(folder: Path, name: str, content: object) -> Path:
    path = folder / name
    path.write_text(json.dumps(content) if not isinstance(content, str) else content, encoding="utf-8")
    return path


def test_validate_prints_ok_or_each_error_and_sets_the_exit_code(runner: CliRunner, tmp_path: Path) -> None:
    good = write(tmp_path, "good.json", VALID)
    bad = write(tmp_path, "bad.json", {**VALID, "title": "", "colour": "red"})
    ok = runner.invoke(main, ["validate", str(good)])
    assert ok.exit_code == 0 and ok.output == f"{good}: ok\n"
    mixed = runner.invoke(main, ["validate", str(good), str(bad)])
    assert mixed.exit_code == 1
    lines = mixed.stdout.splitlines()
    assert f"{good}: ok" in lines
    assert any(line.startswith(f"{bad}: title: ") for line in lines)
    assert any(line.startswith(f"{bad}: colour: ") for line in lines)


def test_usage_errors_exit_2(runner: CliRunner, tmp_path: Path) -> None:
    assert runner.invoke(main, ["validate"]).exit_code == 2
    assert runner.invoke(main, ["validate", str(tmp_path / "missing.json")]).exit_code == 2
    assert runner.invoke(main, ["feed", "--format", "yaml"]).exit_code == 2


def test_schema_prints_the_upload_json_schema(runner: CliRunner) -> None:
    result = runner.invoke(main, ["schema"])
    assert result.exit_code == 0
    schema = json.loads(result.output)
    assert {"title", "body", "published_at"} <= set(schema["properties"]) | {"published_at"}


def test_an_unreachable_stack_is_an_error_saying_what_to_do(runner: CliRunner, tmp_path: Path) -> None:
    article = write(tmp_path, "a.json", VALID)
    result = runner.invoke(main, ["publish", str(article), "--endpoint-url", f"http://127.0.0.1:{free_port()}"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: cannot reach")
    assert "pressroom up" in result.stderr
    assert "Traceback" not in result.output


def pressroom(*args: str) -> subprocess.CompletedProcess[str]:
    """The CLI in its own process, as a user runs it (the in-process functions print to this process's stdout)."""
    return subprocess.run(
        [sys.executable, "-m", "pressroom_stack.cli", *args], capture_output=True, text=True, timeout=120, check=False
    )


def test_publish_reports_published_and_rejected_articles(local_stack: LocalStack, tmp_path: Path) -> None:
    slug = f"cup-upset-{uuid.uuid4().hex[:6]}"
    folder = tmp_path / "articles"
    folder.mkdir()
    write(folder, f"{slug}.json", {**VALID, "slug": slug})
    bad = write(folder, f"bad-{slug}.json", {**VALID, "published_at": "someday"})
    result = pressroom("publish", str(folder), "--endpoint-url", local_stack.endpoint_url, "--no-validate")
    assert result.returncode == 1, result.stdout + result.stderr
    out = result.stdout
    assert f"published  {folder / (slug + '.json')} -> {local_stack.api_url}/news/{slug}" in out
    assert f"rejected   {bad}" in out
    assert f"{bad}: published_at: " in out


def test_publish_of_the_samples_reports_every_one_from_the_pipelines_own_record(
    local_stack: LocalStack, tmp_path: Path
) -> None:
    samples = Path(__file__).resolve().parents[2] / "examples" / "articles"
    result = pressroom("publish", str(samples), "--endpoint-url", local_stack.endpoint_url, "--output", "json")
    assert result.returncode == 0, result.stdout + result.stderr
    rows = json.loads(result.stdout)
    assert len(rows) == len(list(samples.glob("*.json")) + list(samples.glob("*.txt")))
    assert {row["fate"] for row in rows} <= {"published", "scheduled", "draft", "withdrawn"}


def test_an_edited_headline_and_a_shared_headline_are_published_not_pending(
    local_stack: LocalStack, tmp_path: Path
) -> None:
    tag = uuid.uuid4().hex[:6]
    one = write(tmp_path, f"one-{tag}.json", {**VALID, "title": f"Shared headline {tag}"})
    two = write(tmp_path, f"two-{tag}.json", {**VALID, "title": f"Shared headline {tag}"})
    first = pressroom("publish", str(one), str(two), "--endpoint-url", local_stack.endpoint_url, "--output", "json")
    assert first.returncode == 0, first.stdout + first.stderr
    slugs = {row["slug"] for row in json.loads(first.stdout)}
    assert slugs == {f"shared-headline-{tag}", f"shared-headline-{tag}-2"}
    slug_of_one = next(row["slug"] for row in json.loads(first.stdout) if row["key"].endswith(f"one-{tag}.json"))
    write(tmp_path, f"one-{tag}.json", {**VALID, "title": f"Edited headline {tag}"})
    edited = pressroom("publish", str(one), "--endpoint-url", local_stack.endpoint_url, "--output", "json")
    assert edited.returncode == 0, edited.stdout + edited.stderr
    assert [(r["fate"], r["slug"]) for r in json.loads(edited.stdout)] == [("published", slug_of_one)]


def test_status_and_rejections_report_the_current_state_of_keys(local_stack: LocalStack, tmp_path: Path) -> None:
    tag = uuid.uuid4().hex[:6]
    endpoint = ("--endpoint-url", local_stack.endpoint_url)
    bad = write(tmp_path, f"broken-{tag}.json", {**VALID, "titel": "typo"})
    assert pressroom("publish", str(bad), *endpoint, "--no-validate").returncode == 1
    status = pressroom("status", str(bad), f"incoming/broken-{tag}.json", *endpoint, "--output", "json")
    assert status.returncode == 1
    assert [row["fate"] for row in json.loads(status.stdout)] == ["rejected", "rejected"]
    listed = json.loads(pressroom("rejections", *endpoint, "--output", "json").stdout)
    assert f"incoming/broken-{tag}.json" in {r["key"] for r in listed}
    write(tmp_path, f"broken-{tag}.json", VALID)
    assert pressroom("publish", str(bad), *endpoint).returncode == 0
    assert pressroom("status", str(bad), *endpoint).returncode == 0
    listed = json.loads(pressroom("rejections", *endpoint, "--output", "json").stdout)
    assert f"incoming/broken-{tag}.json" not in {r["key"] for r in listed}


def test_publish_with_local_validation_skips_invalid_files(local_stack: LocalStack, tmp_path: Path) -> None:
    bad = write(tmp_path, "invalid.json", {"title": "x"})
    result = pressroom("publish", str(bad), "--endpoint-url", local_stack.endpoint_url)
    assert result.returncode == 1
    assert f"invalid   {bad} (not uploaded)" in result.stdout


def test_feed_reads_the_local_api_in_each_format(local_stack: LocalStack) -> None:
    endpoint = ("--endpoint-url", local_stack.endpoint_url)
    as_json = pressroom("feed", *endpoint, "--limit", "1")
    assert as_json.returncode == 0, as_json.stderr
    assert len(json.loads(as_json.stdout)["items"]) <= 1
    rss = pressroom("feed", "--format", "rss", *endpoint, "--limit", "1")
    assert rss.returncode == 0
    assert len(ET.fromstring(rss.stdout.encode()).findall("channel/item")) <= 1
    atom = pressroom("feed", "--format", "atom", *endpoint)
    assert atom.returncode == 0 and "http://www.w3.org/2005/Atom" in atom.stdout


def test_reindex_estimates_then_fans_out_to_the_ingest_queue_and_resumes_idempotently(
    local_stack: LocalStack, tmp_path: Path
) -> None:
    endpoint = ("--endpoint-url", local_stack.endpoint_url, "--output", "json")
    write(tmp_path, f"re-{uuid.uuid4().hex[:6]}.json", VALID)
    assert pressroom("publish", str(tmp_path), *endpoint).returncode == 0
    dry = pressroom("reindex", "--dry-run", *endpoint)
    assert dry.returncode == 0, dry.stderr
    planned = json.loads(dry.stdout)
    assert planned["items"] >= 1 and planned["messages"] == 0 and planned["estimated_dollars"] > 0
    run = pressroom("reindex", "--only-stale", "--timeout", "60", *endpoint)
    assert run.returncode == 0, run.stderr
    done = json.loads(run.stdout)
    assert done["messages"] == done["items"]  # one article a message, as an upload's notification


def test_tags_are_learned_edited_with_the_cli_and_applied_to_stored_articles_by_reindex(
    local_stack: LocalStack, tmp_path: Path
) -> None:
    import requests

    run = uuid.uuid4().hex[:6]
    endpoint = ("--endpoint-url", local_stack.endpoint_url, "--output", "json")
    old, new, noise = f"Harbour lights {run}", f"Harbour festival {run}", f"Noise {run}"
    write(tmp_path, f"tags-a-{run}.json", {**VALID, "slug": f"tags-a-{run}", "tags": [old, noise]})
    write(tmp_path, f"tags-b-{run}.json", {**VALID, "slug": f"tags-b-{run}", "tags": [new]})
    assert pressroom("publish", str(tmp_path), *endpoint).returncode == 0
    listed = json.loads(pressroom("tags", "list", *endpoint).stdout)
    learned = {t["slug"]: t for t in listed["tags"]}
    old_slug, new_slug, noise_slug = (f"harbour-lights-{run}", f"harbour-festival-{run}", f"noise-{run}")
    assert {old_slug, new_slug, noise_slug} <= set(learned)
    assert learned[old_slug]["provenance"] == "editorial" and learned[old_slug]["name"] == old

    merged = pressroom("tags", "merge", old_slug, new, *endpoint)
    assert merged.returncode == 0, merged.stderr
    assert json.loads(merged.stdout)["tag"]["aliases"] == [old_slug]
    assert pressroom("tags", "block", noise, *endpoint).returncode == 0
    kind = json.loads(pressroom("tags", "kind", new_slug, "event", *endpoint).stdout)
    assert (kind["changed"], kind["tag"]["kind"], kind["tag"]["kind_set_by"]) == (True, "event", "editor")
    shown = json.loads(pressroom("tags", "show", old, *endpoint).stdout)
    assert (shown["alias"], shown["tag"]["slug"]) == (old_slug, new_slug)
    assert [a["slug"] for a in shown["recent"]] == [f"tags-b-{run}"]
    refused = pressroom("tags", "merge", old_slug, new_slug, "--endpoint-url", local_stack.endpoint_url)
    assert refused.returncode == 1 and refused.stderr.startswith("Error: ") and "Traceback" not in refused.stderr

    assert pressroom("reindex", "--only-stale", "--timeout", "120", *endpoint).returncode == 0
    article = requests.get(f"{local_stack.api_url}/articles/tags-a-{run}", timeout=10).json()
    tags = {t["slug"]: t for t in article["tags"]}
    assert noise_slug not in tags and old_slug not in tags
    assert (tags[new_slug]["name"], tags[new_slug]["kind"], tags[new_slug]["provenance"]) == (new, "event", "registry")
    moved = requests.get(f"{local_stack.api_url}/tags/{old_slug}/articles", timeout=10, allow_redirects=False)
    assert (moved.status_code, moved.headers["Location"]) == (301, f"{local_stack.api_url}/tags/{new_slug}/articles")
    followed = requests.get(f"{local_stack.api_url}/tags/{old_slug}/articles", timeout=10).json()
    assert {item["slug"] for item in followed["items"]} == {f"tags-a-{run}", f"tags-b-{run}"}
