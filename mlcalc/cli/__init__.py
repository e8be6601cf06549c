"""The command line: `mlcalc.cli.main` is the entry point (also `python -m mlcalc`)."""

from mlcalc.cli.app import main

__all__ = ["main"]
