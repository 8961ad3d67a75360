"""The session coordinator: configs, session data, indicator manager and bar routing."""

from .bar import Bar, BarError, Bars, make_bar, to_ns
from .config import (
    ConfigError,
    HistoricalIndicatorConfig,
    IndicatorConfig,
    IndicatorType,
    SessionConfig,
    SessionIndicatorConfig,
    list_indicators,
    params_model,
)
from .intervals import VALID_INTERVALS, Session, aggregate_bars, parse_interval
from .manager import IndicatorManager
from .session import SessionCoordinator
from .session_data import SessionData, SymbolSessionData

__all__ = [
    "Bar", "BarError", "Bars", "make_bar", "to_ns",
    "ConfigError", "HistoricalIndicatorConfig", "IndicatorConfig", "IndicatorType",
    "SessionConfig", "SessionIndicatorConfig", "list_indicators", "params_model",
    "VALID_INTERVALS", "Session", "aggregate_bars", "parse_interval",
    "IndicatorManager", "SessionCoordinator", "SessionData", "SymbolSessionData",
]
