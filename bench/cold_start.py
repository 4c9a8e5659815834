"""Cold start: import time of each handler module in a fresh interpreter, against ``import boto3`` alone.

Run: ``python -m bench.cold_start [--runs 12]``. Each run is a new ``python -c`` that times ``import <module>`` with
``time.perf_counter`` (runs of the three modules interleaved, so load from other work hits all alike); the figure is
the median. The environment is the one the functions have in Lambda (``template.yaml`` Globals and the variables the
Lambda runtime sets, so Powertools' Tracer is enabled and patches as it does there). The import path is the one of
the deployment package: ``functions/`` plus ``functions/requirements.txt`` and boto3 installed into a folder (as
``sam build`` does; the Lambda runtime provides boto3), run with ``python -S`` (no site-packages), so modules that
only the dev venv has (``requests``, ``httpx`` …, which X-Ray's ``patch_all`` would import) are not counted. If that
folder cannot be built (uv from its cache, or from the package index), the venv is used and the figures say so.
Byte-code caches are kept in a private ``PYTHONPYCACHEPREFIX`` and warmed by one untimed run first, as in a package
whose dependencies were installed by pip (which compiles them); ``PYTHONDONTWRITEBYTECODE`` is dropped.

The top import contributors come from ``-X importtime`` (median over a few runs): each module's own ("self") time,
summed per top-level package, counting only modules that ``import boto3`` alone does not load — what the handler
adds on top of bare boto3.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE = "boto3"
HANDLERS = {"ApiFunction": "pressroom.handlers.api", "IngestFunction": "pressroom.handlers.ingest"}
TARGET_MS = {"ApiFunction": 150.0, "IngestFunction": 300.0}
PYCACHE = Path(tempfile.gettempdir()) / "pressroom-bench-pycache"
PACKAGE = Path(tempfile.gettempdir()) / "pressroom-bench-lambda-package"


def lambda_package() -> Path | None:
    """``functions/requirements.txt`` and boto3 installed into ``PACKAGE`` (reused while the requirements are the
    same); None if it cannot be built."""
    from importlib.metadata import version

    wanted = (ROOT / "functions" / "requirements.txt").read_text() + f"\nboto3=={version('boto3')}\n"
    stamp = PACKAGE / ".requirements"
    if stamp.exists() and stamp.read_text() == wanted:
        return PACKAGE
    uv = Path(sys.executable).with_name("uv")
    if not uv.exists():
        return None
    install = [
        str(uv),
        "pip",
        "install",
        "-q",
        "--python",
        sys.executable,
        "--target",
        str(PACKAGE),
        "-r",
        str(ROOT / "functions" / "requirements.txt"),
        f"boto3=={version('boto3')}",
    ]
    for extra in (["--offline"], []):
        if subprocess.run(install + extra, capture_output=True, text=True).returncode == 0:
            stamp.write_text(wanted)
            return PACKAGE
    return None


def lambda_env(function: str = "ApiFunction", package: Path | None = None) -> dict[str, str]:
    """The environment of ``function`` in Lambda (template Globals + what the runtime sets), for a child process."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "AWS_ENDPOINT_URL")}
    path = [str(ROOT / "functions"), *([str(package)] if package else [])]
    env.update(
        {
            "PYTHONPATH": os.pathsep.join(path),
            "PYTHONPYCACHEPREFIX": str(PYCACHE),
            "AWS_REGION": "us-east-1",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_LAMBDA_FUNCTION_NAME": f"pressroom-{function}",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
            "LAMBDA_TASK_ROOT": str(ROOT / "functions"),
            "TABLE_NAME": "pressroom-FeedTable-bench",
            "BUCKET_NAME": "pressroom-articles-123456789012-us-east-1",
            "POWERTOOLS_SERVICE_NAME": "pressroom",
            "POWERTOOLS_METRICS_NAMESPACE": "Pressroom",
            "POWERTOOLS_LOG_LEVEL": "INFO",
            "PUBLIC_BASE_URL": "",
            "CORS_ALLOW_ORIGINS": "*",
        }
    )
    return env


def _python(env: dict[str, str]) -> list[str]:
    """The interpreter command: without site-packages when the path names a deployment package."""
    return [sys.executable, "-S"] if str(PACKAGE) in env.get("PYTHONPATH", "") else [sys.executable]


def import_ms(module: str, env: dict[str, str]) -> float:
    """Milliseconds to ``import module`` in a fresh interpreter."""
    code = f"import time; t = time.perf_counter(); import {module}; print((time.perf_counter() - t) * 1000)"
    out = subprocess.run([*_python(env), "-c", code], env=env, capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def importtime(module: str, env: dict[str, str]) -> dict[str, int]:
    """``-X importtime`` of ``import module``: self time in microseconds per imported module."""
    out = subprocess.run(
        [*_python(env), "-X", "importtime", "-c", f"import {module}"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    selfs: dict[str, int] = {}
    for line in out.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        own, _cumulative, name = line.removeprefix("import time:").split("|", 2)
        selfs[name.strip()] = int(own)
    return selfs


def top_contributors(module: str, baseline: set[str], env: dict[str, str], runs: int = 3, top: int = 10) -> list:
    """The ``top`` packages by self import time (ms, median of ``runs``) among modules boto3 alone does not load."""
    per_run: list[dict[str, float]] = []
    for _ in range(runs):
        totals: dict[str, float] = {}
        for name, own in importtime(module, env).items():
            if name in baseline:
                continue
            parts = name.split(".")
            key = ".".join(parts[:2]) if parts[0] in ("pressroom", "aws_lambda_powertools") else parts[0]
            totals[key] = totals.get(key, 0.0) + own / 1000
        per_run.append(totals)
    names = {name for totals in per_run for name in totals}
    medians = {name: statistics.median(t.get(name, 0.0) for t in per_run) for name in names}
    return sorted(medians.items(), key=lambda kv: kv[1], reverse=True)[:top]


@dataclass
class ColdStart:
    runs: int
    baseline_ms: float
    handlers_ms: dict[str, float]
    above_baseline_ms: dict[str, float]
    contributors: dict[str, list[tuple[str, float]]]
    isolated: bool = True  # the deployment package's path, not the dev venv

    def meets(self, function: str) -> bool:
        return self.above_baseline_ms[function] <= TARGET_MS[function]


def measure(runs: int = 12, contributor_runs: int = 3) -> ColdStart:
    package = lambda_package()
    envs = {function: lambda_env(function, package) for function in HANDLERS}
    base_env = envs["ApiFunction"]
    for function, module in HANDLERS.items():  # warm the byte-code cache (first run compiles)
        import_ms(module, envs[function])
    import_ms(BASELINE, base_env)
    times: dict[str, list[float]] = {name: [] for name in (BASELINE, *HANDLERS)}
    for _ in range(runs):
        times[BASELINE].append(import_ms(BASELINE, base_env))
        for function, module in HANDLERS.items():
            times[function].append(import_ms(module, envs[function]))
    baseline = statistics.median(times[BASELINE])
    handlers = {function: statistics.median(times[function]) for function in HANDLERS}
    boto3_modules = set(importtime(BASELINE, base_env))
    contributors = {
        function: top_contributors(module, boto3_modules, envs[function], contributor_runs)
        for function, module in HANDLERS.items()
    }
    return ColdStart(
        runs=runs,
        baseline_ms=round(baseline, 1),
        handlers_ms={k: round(v, 1) for k, v in handlers.items()},
        above_baseline_ms={k: round(v - baseline, 1) for k, v in handlers.items()},
        contributors={k: [(name, round(ms, 1)) for name, ms in v] for k, v in contributors.items()},
        isolated=package is not None,
    )


def lines(figures: ColdStart) -> list[str]:
    where = (
        "deployment-package path: functions/ + requirements.txt + boto3, python -S"
        if figures.isolated
        else "dev venv path (the deployment package could not be built: venv-only modules count too)"
    )
    out = [f"`import boto3` alone: median {figures.baseline_ms} ms ({figures.runs} fresh interpreters; {where})"]
    for function, module in HANDLERS.items():
        verdict = "meets" if figures.meets(function) else "MISSES"
        out.append(
            f"{function} (`import {module}`): median {figures.handlers_ms[function]} ms, "
            f"{figures.above_baseline_ms[function]} ms above bare boto3 "
            f"(target <= {TARGET_MS[function]:.0f} ms: {verdict})"
        )
    for function, top in figures.contributors.items():
        listed = ", ".join(f"{name} {ms} ms" for name, ms in top)
        out.append(f"{function} top import contributors beyond boto3 (self time): {listed}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=12)
    args = parser.parse_args()
    for line in lines(measure(args.runs)):
        print(line)


if __name__ == "__main__":
    main()
