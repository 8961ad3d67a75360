"""Bar sources: the built-in synthetic generator (and file stores)."""

from .synthetic import generate_minute_bars

__all__ = ["generate_minute_bars"]
