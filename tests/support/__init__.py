"""Helpers of the test suite: servers, clients, letters."""

from pathlib import Path

# The checkout: its rules/, config.example.toml, and ../shared beside it.
REPO = Path(__file__).resolve().parents[2]
