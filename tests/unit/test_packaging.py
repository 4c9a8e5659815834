"""What ships inside the Lambda zip: runtime dependencies only, in step with pyproject.toml."""

from __future__ import annotations

import re
import tomllib

from packaging.requirements import Requirement

from tests.conftest import ROOT


def _shipped() -> dict[str, str]:
    lines = (ROOT / "functions" / "requirements.txt").read_text(encoding="utf-8").splitlines()
    pins = [line.split("==") for line in lines if line and not line.startswith("#")]
    return {name.lower(): version for name, version in pins}


def test_function_requirements_pin_exactly_the_runtime_dependencies_but_boto3() -> None:
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    wanted = {Requirement(d).name.lower(): Requirement(d) for d in declared if Requirement(d).name != "boto3"}
    shipped = _shipped()
    assert set(shipped) == set(wanted)
    for name, version in shipped.items():
        assert wanted[name].specifier.contains(version), f"{name}=={version} does not satisfy {wanted[name]}"


def test_no_dev_tools_are_shipped() -> None:
    assert not {"moto", "pytest", "boto3", "hypothesis", "click"} & set(_shipped())


def test_functions_never_import_dev_tools() -> None:
    sources = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "functions").rglob("*.py"))
    assert not re.search(r"^\s*(import|from)\s+(moto|pytest|click|hypothesis)\b", sources, re.MULTILINE)
