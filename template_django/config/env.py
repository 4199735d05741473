"""The environment, read once: every value that differs between deployments comes from here.

A `.env` file in the project root is read when present; variables already set in the
environment win over it.
"""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    environ.Env.read_env(BASE_DIR / ".env")
