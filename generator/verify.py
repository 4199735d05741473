"""`stackpick verify`: prove that every combination of a template's answers renders and works.

Render level (always): every combination of the answers that change code, the others
spread pairwise across them, rendered in-process through copier's API by `jobs` worker
processes, then checked file by file (`verify_checks`) and by one ruff run over them all.
Suite level (unless `render_only`): a pairwise covering set of all answers, each project
synced with uv and tested as its own CI would (`verify_suite`).

The template is copied to a plain folder first, so copier renders the files as they are in
the working tree (from a git repository it would render the latest tag instead).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import shutil
import subprocess
import tempfile
import time
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from pathlib import Path

from generator import combos, git, questions
from generator.errors import UsageError
from generator.source import is_url
from generator.verify_checks import ruff_problems
from generator.verify_render import render_and_check, worker_init
from generator.verify_report import Echo, Progress, Result, summary, table, write_junit

#: Not copied with the template: version control, environments and caches.
_IGNORE = shutil.ignore_patterns(
    ".git", ".venv", "__pycache__", "node_modules", ".mypy_cache", ".ruff_cache", ".pytest_cache"
)


def prepare_template(template: str | None, workdir: Path) -> Path:
    """Copy the template (this checkout, a path or a git URL) to a plain folder in `workdir`."""
    if template is None:
        source = questions.template_root()
    elif is_url(template):
        source = workdir / "clone"
        proc = git.run("clone", "--quiet", "--depth", "1", template, str(source), cwd=workdir)
        if proc.returncode != 0:
            lines = proc.stderr.decode(errors="replace").strip().splitlines()
            fatal = [line.removeprefix("fatal: ") for line in lines if line.startswith("fatal: ")]
            reason = (fatal or lines or ["git clone failed"])[0]
            raise UsageError(f"--template {template}: {reason}")
    else:
        source = Path(template).expanduser().resolve()
        if not source.is_dir():
            raise UsageError(f"--template {template}: no such directory")
    if not (source / "copier.yml").is_file():
        raise UsageError(f"--template {template or source}: no copier.yml there")
    copy = workdir / "template"
    shutil.copytree(source, copy, ignore=_IGNORE, symlinks=True)
    return copy


def _memory() -> str | None:
    """/dev/shm when it is a writable tmpfs folder (Linux), else the default temporary folder."""
    shm = Path("/dev/shm")
    return str(shm) if shm.is_dir() and os.access(shm, os.W_OK) else None


def render_level(
    src: Path, todo: list[combos.Combination], out: Path, jobs: int
) -> tuple[list[Result], float]:
    """Render and check every combination in `todo`; return the results and the wall time."""
    started = time.monotonic()
    out.mkdir(parents=True, exist_ok=True)
    progress = Progress("render", len(todo))
    results: dict[int, Result] = {}
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(jobs, mp_context=context, initializer=worker_init) as pool:
        futures: dict[Future[tuple[float, list[str]]], int] = {
            pool.submit(render_and_check, str(src), c.data, str(out / f"{i:04d}")): i
            for i, c in enumerate(todo)
        }
        for future in as_completed(futures):
            index = futures[future]
            seconds, problems = future.result()
            results[index] = Result("render", todo[index], seconds, problems)
            progress.advance(not problems)
    linted = time.monotonic()
    for folder, problems in ruff_problems(out).items():
        results[int(folder)].problems += problems
    ruff_seconds = (time.monotonic() - linted) / max(len(todo), 1)
    for result in results.values():
        result.seconds += ruff_seconds  # each carries its share of the one ruff run
    return [results[i] for i in range(len(todo))], time.monotonic() - started


def suite_level(
    src: Path, todo: list[combos.Combination], out: Path, jobs: int
) -> tuple[list[Result], float]:
    """Render, sync and test every combination in `todo`, `jobs` projects at a time.

    The (few) renders happen one by one in this process; the suites then run side by side,
    and each project is deleted once its suite has run (its environment is large).
    """
    from generator.verify_suite import Servers, run_suite

    started = time.monotonic()
    progress = Progress("suite", len(todo))
    rendered = []
    for index, combination in enumerate(todo):
        seconds, problems = render_and_check(str(src), combination.data, str(out / f"{index:04d}"))
        rendered.append((seconds, problems))
    with contextlib.ExitStack() as stack:
        servers = Servers(stack)

        def one(index: int) -> Result:
            combination, project = todo[index], out / f"{index:04d}"
            begun = time.monotonic()
            seconds, problems = rendered[index]
            if not problems:
                try:
                    env = servers.env(combination.data)
                except (OSError, RuntimeError, subprocess.CalledProcessError) as error:
                    problems = [f"could not start PostgreSQL or Redis: {error}"]
                else:
                    problems = run_suite(project, env)
            shutil.rmtree(project, ignore_errors=True)
            return Result("suite", combination, seconds + time.monotonic() - begun, problems)

        results: list[Result] = []
        with ThreadPoolExecutor(jobs) as pool:
            for result in pool.map(one, range(len(todo))):
                results.append(result)
                progress.advance(result.ok)
    return results, time.monotonic() - started


def verify(
    template: str | None,
    *,
    render_only: bool = False,
    jobs: int = 2,
    junit: Path | None = None,
    only: list[str] | None = None,
    echo: Echo = print,
) -> int:
    """Verify a template; print the table; return the exit code (0 passed, 1 failed).

    `only` holds KEY=VALUE answers that every combination keeps: the sub-space to verify.
    """
    if jobs < 1:
        raise UsageError(f"--jobs {jobs}: must be at least 1")
    with tempfile.TemporaryDirectory(prefix="stackpick-verify-") as tmp:
        workdir = Path(tmp)
        src = prepare_template(template, workdir)
        try:
            asked = questions.load(src)
        except Exception as error:
            first = (str(error).strip().splitlines() or [type(error).__name__])[0]
            message = f"--template {template or src}: unreadable copier.yml: {first}"
            raise UsageError(message) from None
        values = combos.answer_values(asked)
        fixed = questions.parse_data(only or [], asked, flag="--only")
        values.update({key: (value,) for key, value in fixed.items()})
        results, walls = [], {}
        valid = combos.constraints(src, values)
        # Hundreds of small projects: in memory where there is a tmpfs, so that writing and
        # deleting them costs no disk I/O.
        with tempfile.TemporaryDirectory(prefix="stackpick-verify-", dir=_memory()) as out:
            rendered, walls["render"] = render_level(
                src, combos.render_set(values, valid), Path(out), jobs
            )
        results += rendered
        if not render_only:
            todo = combos.pairwise(values, valid)
            suited, walls["suite"] = suite_level(src, todo, workdir / "suite", jobs)
            results += suited
    echo(table(results, template))
    echo("")
    echo(summary(results, walls))
    if junit is not None:
        write_junit(junit, results, walls, template)
        echo(f"JUnit XML: {junit}")
    return 0 if all(result.ok for result in results) else 1
