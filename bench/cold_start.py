"""Cold start: import time of each handler module in a fresh interpreter, against ``import boto3`` alone.

Run: ``python -m bench.cold_start [--runs 12] [--first] [--package]``. Each run is a new ``python -c`` that times
``import <module>`` and then ``import boto3`` with ``time.perf_counter`` (what a function has loaded when its first
request reaches AWS: ApiFunction imports boto3 only then, with its composition root), and the baseline times
``import boto3`` alone; runs of the three are interleaved, so load from other work hits all alike, and the figures
are medians. "Above bare boto3" is what the handler adds to a function that would only import boto3.

``--first`` also times ApiFunction's import and its first request (an in-memory feed of one article, so no AWS
client) for ``/articles``, ``/news/<slug>``, ``/`` and ``/feed.xml``, each in its own fresh interpreter: what a route
imports or builds on first use counts there, so deferring it to the first request shows.

The environment is the one the functions have in Lambda (``template.yaml`` Globals and the variables the Lambda
runtime sets, so Powertools behaves as it does there). The import path is the one of the deployment package:
``functions/`` plus ``functions/requirements.txt`` and boto3 installed into a folder (as ``sam build`` does; the
Lambda runtime provides boto3), run with ``python -S`` (no site-packages), so modules that only the dev venv has
(``requests``, ``httpx`` …, which X-Ray's ``patch_all`` would import) are not counted. If that folder cannot be
built (uv from its cache, or from the package index), the venv is used and the figures say so. Byte-code caches are
kept in a private ``PYTHONPYCACHEPREFIX`` and warmed by one untimed run first, as in a package whose dependencies
were installed by pip (which compiles them); ``PYTHONDONTWRITEBYTECODE`` is dropped.

The top import contributors come from ``-X importtime`` (median over a few runs): each module's own ("self") time,
summed per top-level package, counting only modules that ``import boto3`` alone does not load — what the handler
adds on top of bare boto3.

``--package`` also prints what each function's zip holds: its size, unzipped and zipped, and its largest top-level
entries, from ``sam build`` of ``template.yaml`` (no container: it needs the SAM CLI, ``pip install aws-sam-cli``,
and a ``python3.13`` on PATH); without those, from the same requirements installed for arm64 Linux by uv, which
pip would resolve alike. It also says how many builds SAM made for the functions (one when they share it).
"""

from __future__ import annotations

import argparse
import io
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE = "boto3"
HANDLERS = {"ApiFunction": "pressroom.handlers.api", "IngestFunction": "pressroom.handlers.ingest"}
TARGET_MS = {"ApiFunction": 100.0, "IngestFunction": 300.0}
FIRST_PATHS = ("/articles", "/news/harbour-lights", "/", "/feed.xml")
PYCACHE = Path(tempfile.gettempdir()) / "pressroom-bench-pycache"
PACKAGE = Path(tempfile.gettempdir()) / "pressroom-bench-lambda-package"
BUILD = Path(tempfile.gettempdir()) / "pressroom-bench-sam-build"


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


def _imports(module: str) -> str:
    return f"import {module}" if module == BASELINE else f"import {module}; import {BASELINE}"


def import_ms(module: str, env: dict[str, str]) -> float:
    """Milliseconds to ``import module`` (and then boto3, unless ``module`` is boto3) in a fresh interpreter."""
    code = f"import time; t = time.perf_counter(); {_imports(module)}; print((time.perf_counter() - t) * 1000)"
    out = subprocess.run([*_python(env), "-c", code], env=env, capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


_FIRST_REQUEST = """
import time
t = time.perf_counter()
import pressroom.handlers.api as api
import boto3
from pressroom.config import ApiSettings
from pressroom.models import Article
from pressroom.ports import IndexPage, StoredArticle

DOC = {"id": "harbour-lights", "slug": "harbour-lights", "title": "Harbour lights", "summary": "The festival.",
       "body": "<p>The festival returns.</p>", "published_at": "2020-01-01T09:30:00Z",
       "updated_at": "2020-01-01T09:30:00Z", "author": ["Ada Byron"], "section": "entertainment", "language": "en",
       "word_count": 3, "reading_time_minutes": 1, "related": [], "status": "published",
       "tags": [{"name": "Portmere", "slug": "portmere", "kind": "place", "score": 0.9}]}

class Feed:
    def get_by_slug(self, slug):
        return StoredArticle(article=Article.model_validate(DOC), status="published", version="1")
    def get_articles(self, ids):
        return [Article.model_validate(DOC)]
    def list_index(self, index, *, limit, after, now, since=None):
        return IndexPage(items=[Article.model_validate(DOC).summary_view()], last_position=None)

root = api.build_root(Feed(), ApiSettings(TABLE_NAME="pressroom-FeedTable-bench"))
HOST = "abc123defg.execute-api.us-east-1.amazonaws.com"
event = {"resource": "/{proxy+}", "path": PATH, "httpMethod": "GET", "headers": {"Host": HOST},
         "multiValueHeaders": {"Host": [HOST]}, "queryStringParameters": None,
         "multiValueQueryStringParameters": None, "pathParameters": {"proxy": PATH[1:]}, "stageVariables": None,
         "requestContext": {"stage": "dev", "path": "/dev" + PATH, "httpMethod": "GET", "resourcePath": "/{proxy+}",
                            "domainName": HOST}, "body": None, "isBase64Encoded": False}
status = api.serve(event, None, root)["statusCode"]
assert status == 200, status
print((time.perf_counter() - t) * 1000)
"""


def first_request_ms(path: str, env: dict[str, str]) -> float:
    """Milliseconds to import ApiFunction and boto3 and answer its first request for ``path`` (in-memory feed)."""
    code = _FIRST_REQUEST.replace("PATH", repr(path))
    out = subprocess.run([*_python(env), "-c", code], env=env, capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def importtime(module: str, env: dict[str, str]) -> dict[str, int]:
    """``-X importtime`` of ``import module`` (then boto3): self time in microseconds per imported module."""
    out = subprocess.run(
        [*_python(env), "-X", "importtime", "-c", _imports(module)],
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
    first_request_ms: dict[str, float] | None = None  # ApiFunction, import + first request, by path

    def meets(self, function: str) -> bool:
        return self.above_baseline_ms[function] <= TARGET_MS[function]


def measure(runs: int = 12, contributor_runs: int = 3, first: bool = False) -> ColdStart:
    package = lambda_package()
    envs = {function: lambda_env(function, package) for function in HANDLERS}
    base_env = envs["ApiFunction"]
    for function, module in HANDLERS.items():  # warm the byte-code cache (first run compiles)
        import_ms(module, envs[function])
    import_ms(BASELINE, base_env)
    paths = FIRST_PATHS if first else ()
    for path in paths:
        first_request_ms(path, base_env)
    times: dict[str, list[float]] = {name: [] for name in (BASELINE, *HANDLERS, *paths)}
    for _ in range(runs):
        times[BASELINE].append(import_ms(BASELINE, base_env))
        for function, module in HANDLERS.items():
            times[function].append(import_ms(module, envs[function]))
        for path in paths:
            times[path].append(first_request_ms(path, base_env))
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
        first_request_ms={p: round(statistics.median(times[p]) - baseline, 1) for p in paths} or None,
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
            f"{function} (`import {module}`, then boto3): median {figures.handlers_ms[function]} ms, "
            f"{figures.above_baseline_ms[function]} ms above bare boto3 "
            f"(target <= {TARGET_MS[function]:.0f} ms: {verdict})"
        )
    if figures.first_request_ms:
        listed = ", ".join(f"{path} {ms} ms" for path, ms in figures.first_request_ms.items())
        out.append(f"ApiFunction import + first request (in-memory feed), above bare boto3: {listed}")
    for function, top in figures.contributors.items():
        listed = ", ".join(f"{name} {ms} ms" for name, ms in top)
        out.append(f"{function} top import contributors beyond boto3 (self time): {listed}")
    return out


@dataclass
class BuiltPackage:
    how: str
    builds: int | None  # how many builds ``sam build`` made for the functions; None when uv stood in for it
    functions: dict[str, Path]  # function (logical id) -> its built folder, the zip's contents

    def size_mb(self, function: str) -> tuple[float, float]:
        """Unzipped and zipped (deflate, as ``sam package``) size of ``function``'s package in MB."""
        root = self.functions[function]
        files = [p for p in root.rglob("*") if p.is_file()]
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for path in files:
                archive.write(path, path.relative_to(root).as_posix())
        return sum(p.stat().st_size for p in files) / 1e6, len(buffer.getvalue()) / 1e6

    def top_level(self, function: str, top: int = 12) -> list[tuple[str, float]]:
        """The ``top`` largest top-level entries of ``function``'s package (MB); metadata folders are left out."""
        sizes: dict[str, float] = {}
        for path in self.functions[function].rglob("*"):
            name = path.relative_to(self.functions[function]).parts[0]
            if path.is_file() and not name.endswith((".dist-info", ".data")):
                sizes[name] = sizes.get(name, 0.0) + path.stat().st_size / 1e6
        return sorted(sizes.items(), key=lambda kv: kv[1], reverse=True)[:top]


def sam_build(build_dir: Path = BUILD) -> BuiltPackage | str:
    """``sam build`` of ``template.yaml`` into ``build_dir`` (no container, no cache); the reason when it cannot."""
    sam = shutil.which("sam") or shutil.which("sam", path=str(Path(sys.executable).parent))
    if sam is None:
        return "no SAM CLI on PATH (pip install aws-sam-cli)"
    shutil.rmtree(build_dir, ignore_errors=True)
    command = [sam, "build", "--template-file", str(ROOT / "template.yaml"), "--build-dir", str(build_dir / "build")]
    command += ["--cache-dir", str(build_dir / "cache"), "--no-cached"]
    env = {**os.environ, "SAM_CLI_TELEMETRY": "0"}
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        return f"sam build failed: {(done.stdout + done.stderr).strip().splitlines()[-1]}"
    builds = len(re.findall(r"^Building codeuri: .* functions: ", done.stdout + done.stderr, re.MULTILINE))
    functions = {p.name: p for p in sorted((build_dir / "build").iterdir()) if p.is_dir()}
    return BuiltPackage("sam build (no container)", builds, functions)


def uv_build(build_dir: Path = BUILD) -> BuiltPackage | str:
    """``functions/`` plus ``functions/requirements.txt`` installed for python3.13 on arm64 Linux by uv."""
    uv = Path(sys.executable).with_name("uv")
    if not uv.exists():
        return "no uv in the venv"
    target = build_dir / "uv" / "functions"
    shutil.rmtree(target, ignore_errors=True)
    install = [str(uv), "pip", "install", "-q", "--target", str(target), "--python-version", "3.13"]
    install += ["--python-platform", "aarch64-manylinux2014", "--only-binary", ":all:"]
    install += ["-r", str(ROOT / "functions" / "requirements.txt")]
    for extra in (["--offline"], []):
        if subprocess.run(install + extra, capture_output=True, text=True).returncode == 0:
            shutil.copytree(
                ROOT / "functions", target, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__")
            )
            return BuiltPackage(
                "uv pip install --target, arm64 wheels (as sam build would)", None, {"functions": target}
            )
    return "uv could not install functions/requirements.txt for arm64"


def package_lines(built: BuiltPackage) -> list[str]:
    builds = f"; {built.builds} build(s) for {len(built.functions)} functions" if built.builds is not None else ""
    out = [f"Deployment package ({built.how}{builds}):"]
    for function in built.functions:
        unzipped, zipped = built.size_mb(function)
        listed = ", ".join(f"{name} {mb:.1f}" for name, mb in built.top_level(function))
        out.append(f"{function}: {unzipped:.1f} MB unzipped, {zipped:.1f} MB zipped; largest (MB): {listed}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=12)
    parser.add_argument("--package", action="store_true", help="also build the functions and list their zips")
    parser.add_argument("--first", action="store_true", help="also time ApiFunction's first request per route")
    args = parser.parse_args()
    for line in lines(measure(args.runs, first=args.first)):
        print(line)
    if args.package:
        built = sam_build()
        if isinstance(built, str):
            print(f"sam build not used: {built}")
            built = uv_build()
        print(*(package_lines(built) if isinstance(built, BuiltPackage) else [built]), sep="\n")


if __name__ == "__main__":
    main()
