"""Mailflow: incoming official letters and their dispositions, run over ordinary email."""

__version__ = "0.1.0"
