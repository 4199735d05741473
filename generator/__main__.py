"""`python -m generator` runs the stackpick command line."""

from generator.cli import run

run()
