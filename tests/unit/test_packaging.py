"""What ships inside the Lambda zip: runtime dependencies only, in step with pyproject.toml, built once by SAM."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from pressroom_stack.requirements import LAMBDA_MARKERS, RUNTIME_PROVIDED, RuntimeProvidedDependency, pins
from pressroom_stack.template import load_template
from tests.conftest import ROOT

REQUIREMENTS = ROOT / "functions" / "requirements.txt"
NEVER_SHIPPED = {"boto3", "botocore", "s3transfer", "awscrt", "moto", "pytest", "hypothesis", "click", "mypy", "ruff"}


def _shipped(*, direct_only: bool = False) -> dict[str, str]:
    """Name -> pinned version of each line of the requirements file (only those without ``# via`` if asked)."""
    found = {}
    for line in REQUIREMENTS.read_text(encoding="utf-8").splitlines():
        text, _, comment = line.partition("#")
        if not text.strip() or (direct_only and comment.strip().startswith("via")):
            continue
        requirement = Requirement(text)
        (specifier,) = requirement.specifier
        assert specifier.operator == "==", f"not pinned: {line}"
        found[canonicalize_name(requirement.name)] = specifier.version
    return found


def _applies(requirement: Requirement, extras: frozenset[str]) -> bool:
    if requirement.marker is None:
        return True
    return any(requirement.marker.evaluate({**LAMBDA_MARKERS, "extra": extra}) for extra in extras | {""})


def shipped_closure() -> dict[str, set[str]]:
    """Every distribution pip installs for ``functions/requirements.txt`` on the Lambda runtime (dependencies read
    from the installed distributions' metadata), with the names of what pulls each in."""
    pulled_by: dict[str, set[str]] = {}
    todo = [(Requirement(f"{name}=={version}"), "requirements.txt") for name, version in _shipped().items()]
    while todo:
        requirement, parent = todo.pop()
        name = canonicalize_name(requirement.name)
        if name in pulled_by:
            pulled_by[name].add(parent)
            continue
        pulled_by[name] = {parent}
        extras = frozenset(requirement.extras)
        for text in metadata.distribution(name).requires or []:
            dependency = Requirement(text)
            if _applies(dependency, extras):
                todo.append((dependency, name))
    return pulled_by


def test_function_requirements_pin_exactly_the_runtime_dependencies_but_what_lambda_provides() -> None:
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    wanted = {canonicalize_name(Requirement(d).name): Requirement(d) for d in declared}
    wanted = {name: r for name, r in wanted.items() if name not in RUNTIME_PROVIDED}
    shipped = _shipped(direct_only=True)
    assert set(shipped) == set(wanted)
    for name, version in shipped.items():
        assert wanted[name].specifier.contains(version), f"{name}=={version} does not satisfy {wanted[name]}"


def test_everything_pip_installs_is_pinned_so_the_zip_holds_what_the_tests_ran_with() -> None:
    # Unpinned, python-dateutil came out 4.0 in the zip (botocore, which pins it < 3, was no longer there),
    # where it would also shadow the runtime's copy that the runtime's botocore imports.
    pinned = _shipped()
    closure = shipped_closure()
    assert set(closure) <= set(pinned), f"installed by pip but not pinned: {sorted(set(closure) - set(pinned))}"
    for name, version in pinned.items():
        assert metadata.version(name) == version, f"{name}: the tests run {metadata.version(name)}, the zip {version}"


def test_make_requirements_refuses_a_dependency_on_what_the_runtime_provides(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[project]\nname = "x"\ndependencies = ["pydantic", "aws-xray-sdk", "boto3"]\n')
    with pytest.raises(RuntimeProvidedDependency, match="aws-xray-sdk depends on botocore"):
        pins(pyproject)


def test_the_requirements_file_is_what_make_requirements_writes() -> None:
    generated = subprocess.run(
        [sys.executable, "-m", "pressroom_stack.requirements"], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout
    assert generated == REQUIREMENTS.read_text(encoding="utf-8"), "run make requirements"


def test_nothing_the_runtime_provides_and_no_dev_tool_is_shipped_even_as_a_dependency() -> None:
    # The Lambda runtime provides boto3 and botocore: a copy in the zip is 30 MB that shadows the runtime's.
    closure = shipped_closure()
    shipped = {name: sorted(by) for name, by in closure.items() if name in NEVER_SHIPPED}
    assert not shipped, f"would be shipped (pulled in by): {shipped}"
    assert {"aws-lambda-powertools", "pydantic", "pydantic-core", "feedgen", "lxml"} <= set(closure), "a real closure"


def test_functions_never_import_dev_tools() -> None:
    sources = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "functions").rglob("*.py"))
    assert not re.search(r"^\s*(import|from)\s+(moto|pytest|click|hypothesis)\b", sources, re.MULTILINE)


def test_sam_builds_the_shared_package_once() -> None:
    # sam build shares one build between functions whose CodeUri, runtime, architecture and Metadata are equal
    # (samcli.lib.build.build_graph.FunctionBuildDefinition.__eq__); different Metadata means a second build.
    template = load_template()
    functions = {k: r for k, r in template["Resources"].items() if r["Type"] == "AWS::Serverless::Function"}
    assert len(functions) >= 2
    settings = {
        json.dumps(
            [
                r["Properties"].get(key, template["Globals"]["Function"].get(key))
                for key in ("CodeUri", "Runtime", "Architectures", "PackageType")
            ]
            + [r.get("Metadata")],
            sort_keys=True,
        )
        for r in functions.values()
    }
    assert len(settings) == 1, "the functions' build settings or Metadata differ: SAM would build them separately"
    metadata_of = next(iter(functions.values())).get("Metadata", {})
    assert "BuildMethod" not in metadata_of, "a makefile build is never shared between functions"
