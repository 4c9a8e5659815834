"""The README tells the truth: its performance figures are the ones `make bench` wrote to bench/RESULTS.md."""

from __future__ import annotations

import re

from tests.conftest import ROOT


def _section(text: str, heading: str) -> str:
    match = re.search(rf"^## {heading}\n(.*?)(?=^## |\Z)", text, re.MULTILINE | re.DOTALL)
    assert match, f"README has no '## {heading}' section"
    return match.group(1)


def test_every_readme_performance_row_is_a_row_of_bench_results() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    results = (ROOT / "bench" / "RESULTS.md").read_text(encoding="utf-8")
    rows = [line for line in _section(readme, "Performance").splitlines() if re.match(r"^\| .* \| .* \|", line)]
    figures = [row for row in rows if re.search(r"\d", row) and not row.startswith("|---")]
    assert len(figures) >= 10, "the performance section should show the benchmark summary"
    result_rows = {line.rsplit(" | ", 1)[0] + " |" for line in results.splitlines() if line.startswith("| ")}
    for row in figures:
        assert row in result_rows, f"README figure not in bench/RESULTS.md: {row}"


def test_the_two_commands_are_on_the_first_screen() -> None:
    first_screen = "\n".join((ROOT / "README.md").read_text(encoding="utf-8").splitlines()[:25])
    assert "make up" in first_screen and "make test" in first_screen
