"""mlcalc: a command-line matrix and neural-network calculator."""

__version__ = "0.1.0"
