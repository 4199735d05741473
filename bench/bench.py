"""Benchmarks stackpick as whole processes, in one run, and prints a table.

    uv run --group bench python bench/bench.py [--runs 7] [--cookiecutter-django PATH] [--green]

Measures `stackpick --help` against `cookiecutter --help` and `copier --help` (target:
stackpick at most 0.65x cookiecutter), `stackpick recommend --json`, and the render time of
each framework's project (target: no slower than cookiecutter-django rendering its own
template; pass a local checkout of cookiecutter-django with --cookiecutter-django, since
this script never downloads; its hooks are off, as stackpick runs none). With --green it
also times generate -> `uv sync` -> green suite for each framework's default project (target:
at most 10 s on a warm uv cache), once as a user types it and once with `--offline`, which
uses the warm cache without asking the package index again. Commands alternate run by run
and figures are medians, so ratios hold on a noisy machine; each run's CPU time (user +
system, the command's processes and their children) is given beside its wall time, since it
depends less on what else the machine is doing.

The renders use a fresh clone of this repository's HEAD (`git clone --no-local`: packed, as
a clone from GitHub or an installed stackpick's template snapshot is), and one more row
renders from this working repository itself: copier clones its template for every render,
and a local clone hardlinks each loose object (a repository where commits pile up keeps
thousands until git's automatic gc) and deletes them afterwards.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from generator.services import PYENV_VERSIONS  # noqa: E402

BIN = Path(sys.executable).parent


def tool(name: str) -> str:
    found = shutil.which(name, path=str(BIN)) or shutil.which(name)
    if found is None:
        raise SystemExit(f"bench: {name} is not installed (uv sync --group bench)")
    return found


#: As on a user's machine: Python caches compiled bytecode for every tool alike.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
#: Generated projects ask for Python 3.12: where pyenv provides the interpreters, make them
#: all visible (as the tests do); a user's uv downloads the interpreter instead.
GREEN_ENV = {"PYENV_VERSION": PYENV_VERSIONS} if "PYENV_ROOT" in os.environ else {}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(make_cmd: Callable[[int], list[str]], run: int) -> tuple[float, float]:
    """Wall time and CPU time (the command's processes and their children) of one run."""
    cmd = make_cmd(run)
    cpu, start = _children_cpu(), time.perf_counter()
    env = {**ENV, **GREEN_ENV} if cmd[0] == "sh" else ENV
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    return time.perf_counter() - start, _children_cpu() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--cookiecutter-django", type=Path, default=None)
    parser.add_argument("--green", action="store_true", help="time generate -> sync -> tests")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="stackpick-bench-"))
    stackpick, cookiecutter, copier = tool("stackpick"), tool("cookiecutter"), tool("copier")
    template = work / "template"
    subprocess.run(["git", "clone", "--quiet", "--no-local", str(ROOT), str(template)], check=True)
    cases: dict[str, Callable[[int], list[str]]] = {
        "stackpick --help": lambda _: [stackpick, "--help"],
        "cookiecutter --help": lambda _: [cookiecutter, "--help"],
        "copier --help": lambda _: [copier, "--help"],
        "stackpick recommend --json": lambda _: [stackpick, "recommend", "--json"],
    }
    for framework in ("django", "fastapi", "hybrid"):
        cases[f"stackpick new ({framework})"] = lambda run, f=framework: [
            stackpick,
            "new",
            str(work / f"{f}-{run}"),
            "--defaults",
            "--framework",
            f,
            "--template",
            str(template),
        ]
    cases["stackpick new (django, checkout)"] = lambda run: [
        stackpick,
        "new",
        str(work / f"checkout-{run}"),
        "--defaults",
        "--framework",
        "django",
        "--template",
        str(ROOT),
    ]
    cases["copier copy (django, plain)"] = lambda run: [
        copier,
        "copy",
        "--defaults",
        "--quiet",
        "--vcs-ref",
        "HEAD",
        "-d",
        "framework=django",
        str(template),
        str(work / f"plain-{run}"),
    ]
    if args.cookiecutter_django:
        source = str(args.cookiecutter_django.resolve())
        cases["cookiecutter-django render"] = lambda run: [
            cookiecutter,
            "--no-input",
            "--accept-hooks",
            "no",
            "--output-dir",
            str(work / f"ccd-{run}"),
            source,
        ]

    if args.green:
        uv = tool("uv")
        # uv revalidates a cached index page once its max-age is over (PyPI's: 10 minutes);
        # an index that sends no Cache-Control at all has every sync ask it again for every
        # package. The offline rows use the warm cache alone, as a sync within PyPI's
        # max-age of the last one does.
        for framework in ("django", "fastapi", "hybrid"):
            for offline in ("", " --offline"):
                name = f"generate -> green ({framework}{offline and ', offline'})"
                cases[name] = lambda run, f=framework, o=offline: [
                    "sh",
                    "-ec",
                    f'{stackpick} new "$1" --defaults --framework {f} --template {template}'
                    f' && cd "$1" && {uv} sync --quiet{o}'
                    f" && {uv} run{o} pytest --quiet -p no:cacheprovider",
                    "sh",
                    str(work / f"green-{f}-{run}{o and '-offline'}"),
                ]

    walls: dict[str, list[float]] = {name: [] for name in cases}
    cpus: dict[str, list[float]] = {name: [] for name in cases}
    for make in cases.values():  # one warm-up each
        timed(make, -1)
    for run in range(args.runs):
        for name, make in cases.items():
            wall, cpu = timed(make, run)
            walls[name].append(wall)
            cpus[name].append(cpu)
    shutil.rmtree(work, ignore_errors=True)

    median = {name: statistics.median(values) for name, values in walls.items()}
    median_cpu = {name: statistics.median(values) for name, values in cpus.items()}
    anchor = "cookiecutter-django render"
    print(f"{'command':<44} {'median s':>9} {'min s':>7} {'max s':>7} {'CPU s':>6}  note")
    for name, values in walls.items():
        note = ""
        if name == "stackpick --help":
            ratio = median[name] / median["cookiecutter --help"]
            note = f"{ratio:.2f}x cookiecutter --help (target <= 0.65x)"
        elif name.startswith("stackpick new") and anchor in median:
            ratio = median[name] / median[anchor]
            cpu_ratio = median_cpu[name] / median_cpu[anchor]
            note = (
                f"{ratio:.2f}x cookiecutter-django's render (target <= 1.00x), CPU {cpu_ratio:.2f}x"
            )
        elif name.startswith("generate -> green"):
            note = "target <= 10 s"
        print(
            f"{name:<44} {median[name]:>9.3f} {min(values):>7.3f} {max(values):>7.3f}"
            f" {median_cpu[name]:>6.3f}  {note}"
        )
    if anchor not in median:
        print(f"{anchor}: not measured (pass --cookiecutter-django PATH)")


if __name__ == "__main__":
    main()
