"""The Dockerfile's build stage, run without Docker (there is no engine here).

The project is copied as `docker build` gets it (`.dockerignore`: no `.env`, no virtual
environment, no collected files), and the build stage's commands from `COPY . .` on run as
written, with none of the project's settings in the environment: only what the stage's
`ENV` sets, and what finds uv, an interpreter and the package index on this machine. The
runtime stage only copies the result and names the Procfile's `web` line, which the served
projects run.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from generator.matrix import FRAMEWORKS
from generator.services import project_env
from tests.outside import ServedFactory, render_project
from tests.test_quick_start import NOT_CLONED

#: What a build gets from neither `.env` (not in the context) nor the Dockerfile.
SETTINGS = {"DEBUG", "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS"}


def build_commands(dockerfile: str) -> tuple[dict[str, str], list[str]]:
    """The build stage's `ENV` settings, and its `RUN` commands after `COPY . .`."""
    instructions = re.sub(r"\\\n\s*", "", dockerfile).splitlines()
    start = next(i for i, line in enumerate(instructions) if line.endswith(" AS build"))
    stage = instructions[start + 1 :]
    stage = stage[: next(i for i, line in enumerate(stage) if line.startswith("FROM "))]
    env = dict(
        pair.split("=", 1) for line in stage if line.startswith("ENV ") for pair in line.split()[1:]
    )
    after_copy = stage[stage.index("COPY . .") :]
    commands = [
        re.sub(r"--mount=\S+\s+", "", line.removeprefix("RUN "))
        for line in after_copy
        if line.startswith("RUN ")
    ]
    return env, commands


@pytest.mark.slow
@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_the_build_stage_runs_on_what_the_build_context_holds(
    framework: str, served: ServedFactory, tmp_path: Path
) -> None:
    source = served(framework, "sqlite")
    dockerfile = (
        render_project(tmp_path / "with-docker", {**source.answers, "docker": True}) / "Dockerfile"
    ).read_text()
    context = tmp_path / "context"
    shutil.copytree(source.project, context, ignore=NOT_CLONED)
    stage_env, commands = build_commands(dockerfile)
    assert commands[0] == "uv sync --locked --no-dev", commands
    # This machine's uv, interpreters and network settings; none of the project's settings.
    machine = {name: value for name, value in project_env().items() if name not in SETTINGS}
    for command in commands:
        built = subprocess.run(
            ["sh", "-c", command],
            cwd=context,
            env={**machine, **stage_env},
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        assert built.returncode == 0, f"{command}\n{built.stdout[-3000:]}{built.stderr[-3000:]}"
    if framework != "fastapi":
        # The static files are collected into the image, hashed.
        assert (context / "staticfiles" / "staticfiles.json").is_file()
