"""Session configuration: pydantic models for indicators, streams and policies.

The models mirror the integration guide: a ``SessionConfig`` holds
``session_data_config.indicators.session`` and ``.historical`` lists of
indicator configs, and ``streams``. Each indicator's parameters are checked
by its own pydantic model (``EmaParams``, ``MacdParams``, ...), built from
the kernel registry so that the ranges cannot disagree with the kernels.

Errors from :meth:`SessionConfig.from_file` / :meth:`SessionConfig.from_dict`
are :class:`ConfigError` (a ``ValueError``) whose message names every bad
field by its path, e.g. ``session_data_config.indicators.session[2].period``,
with the value found.
"""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Any, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, StrictInt, ValidationError, create_model, field_validator, model_validator

from ..kernels import REGISTRY, get_spec
from ..kernels._spec import KernelSpec
from .intervals import Session, get_session, interval_sort_key, parse_interval

SOURCES = ("open", "high", "low", "close", "volume")


class IndicatorType(str, Enum):
    """The family an indicator belongs to.

    Examples
    --------
    >>> IndicatorType("momentum") is IndicatorType.MOMENTUM
    True
    """

    TREND = "trend"
    MOMENTUM = "momentum"
    VOLATILITY = "volatility"
    VOLUME = "volume"


class ConfigError(ValueError):
    """An invalid session or indicator configuration; the message names each bad field.

    Examples
    --------
    >>> try:
    ...     SessionConfig.from_dict({"streams": ["7m"]})
    ... except ConfigError as exc:
    ...     print(str(exc).splitlines()[1])
    streams: unknown interval '7m'; valid intervals: 1m, 5m, 15m, 30m, 1h, 4h, 1d (got ['7m'])
    """


def _loc(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def format_validation_error(exc: ValidationError, prefix: str = "") -> str:
    lines = []
    for err in exc.errors():
        path = _loc(tuple(p for p in err["loc"] if not str(p).startswith("function-")))
        msg = err["msg"].removeprefix("Value error, ")
        where = f"{prefix}{path}" if path else prefix.rstrip(".") or "config"
        lines.append(f"{where}: {msg} (got {err.get('input')!r})")
    return "\n".join(lines)


# --------------------------------------------------------------------------
# Per-indicator parameter models, generated from the kernel registry
# --------------------------------------------------------------------------

def _params_model(spec: KernelSpec) -> type[BaseModel]:
    fields: dict[str, Any] = {}
    for p in spec.params:
        if p.kind is str:
            fields[p.name] = (Literal[p.choices], p.default)  # type: ignore[valid-type]
        elif p.kind is int:
            fields[p.name] = (int, Field(p.default, ge=p.lo, le=p.hi, strict=True, description=p.doc))
        else:
            fields[p.name] = (float, Field(p.default, ge=p.lo, le=p.hi, allow_inf_nan=False, description=p.doc))
    if len(spec.inputs) == 1:
        fields["source"] = (Literal[SOURCES], Field("close", description="bar field the indicator reads"))  # type: ignore[valid-type]

    def _cross_check(self):
        if spec.check is not None:
            spec.check(self.model_dump(exclude={"source"}), spec.name)
        return self

    name = "".join(w.capitalize() for w in spec.name.split("_")) + "Params"
    return create_model(
        name,
        __config__=ConfigDict(extra="forbid"),
        __doc__=f"Parameters of {spec.title} ({spec.name}).",
        __validators__={"cross_check": model_validator(mode="after")(_cross_check)},
        **fields,
    )


PARAMS_MODELS: dict[str, type[BaseModel]] = {name: _params_model(spec) for name, spec in REGISTRY.items()}
globals().update({m.__name__: m for m in PARAMS_MODELS.values()})  # EmaParams, MacdParams, ...


def params_model(name: str) -> type[BaseModel]:
    """The pydantic parameter model of indicator ``name`` (e.g. ``MacdParams``).

    Examples
    --------
    >>> params_model("macd")(fast_period=5, slow_period=13)
    MacdParams(fast_period=5, slow_period=13, signal_period=9, seed='sma', source='close')
    """
    return PARAMS_MODELS[get_spec(name).name]


# --------------------------------------------------------------------------
# Indicator configs
# --------------------------------------------------------------------------

class IndicatorConfig(BaseModel):
    """One indicator on one interval.

    Accepts the integration guide's positional form,
    ``IndicatorConfig("sma", IndicatorType.TREND, 20, "5m")``, as well as
    keywords. ``period`` fills the indicator's ``period`` parameter (MACD and
    OBV take theirs from ``params``).

    Examples
    --------
    >>> cfg = IndicatorConfig("macd", IndicatorType.TREND, None, "5m", {"fast_period": 12})
    >>> cfg.key, cfg.outputs
    ('macd_12_26_9_5m', ('macd', 'signal', 'hist'))
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    type: Optional[IndicatorType] = None
    period: Optional[StrictInt] = None
    interval: str = "1m"
    params: dict[str, Any] = Field(default_factory=dict)
    _resolved: dict = PrivateAttr(default_factory=dict)

    def __init__(self, name=None, type=None, period=None, interval=None, params=None, /, **kw):
        for field, value in (("name", name), ("type", type), ("period", period),
                             ("interval", interval), ("params", params)):
            if value is not None:
                kw.setdefault(field, value)
        super().__init__(**kw)

    @field_validator("name")
    @classmethod
    def _known_name(cls, v: str) -> str:
        try:
            return get_spec(v).name
        except KeyError as exc:
            raise ValueError(exc.args[0]) from None

    @field_validator("interval")
    @classmethod
    def _known_interval(cls, v: str) -> str:
        parse_interval(v)
        return v

    @field_validator("period")
    @classmethod
    def _period_range(cls, v, info):
        name = info.data.get("name")
        if v is None or name is None:
            return v
        spec = REGISTRY[name]
        prm = {p.name: p for p in spec.params}
        if "period" not in prm:
            raise ValueError(f"{name} has no 'period' parameter; set its parameters in 'params'")
        return prm["period"].check(v, name)

    @field_validator("type")
    @classmethod
    def _type_matches(cls, v, info):
        name = info.data.get("name")
        if v is not None and name is not None and IndicatorType(v).value != REGISTRY[name].type:
            raise ValueError(f"{name} is a {REGISTRY[name].type} indicator, got {IndicatorType(v).value!r}")
        return v

    @field_validator("params")
    @classmethod
    def _params_valid(cls, v, info):
        name = info.data.get("name")
        if name is None or "period" not in info.data:
            return v  # the name or period error is reported on its own
        merged = dict(v)
        period = info.data.get("period")
        if period is not None:
            if "period" in merged and merged["period"] != period:
                raise ValueError(f"period given twice: period={period} and params.period={merged['period']}")
            merged["period"] = period
        try:
            PARAMS_MODELS[name](**merged)
        except ValidationError as exc:
            msgs = []
            for err in exc.errors():
                where = _loc(tuple(err["loc"]))
                msg = err["msg"].removeprefix("Value error, ")
                msgs.append(f"{where}: {msg}" if where else msg)
            raise ValueError("; ".join(msgs)) from None
        return v

    @model_validator(mode="after")
    def _resolve(self):
        merged = dict(self.params)
        if self.period is not None:
            merged["period"] = self.period
        self._resolved = PARAMS_MODELS[self.name](**merged).model_dump()
        return self

    # -- derived, read-only -------------------------------------------------
    @property
    def spec(self) -> KernelSpec:
        return REGISTRY[self.name]

    @property
    def resolved_params(self) -> dict:
        """All kernel parameters with defaults filled in (without ``source``)."""
        return {k: v for k, v in self._resolved.items() if k != "source"}

    @property
    def source(self) -> str:
        return self._resolved.get("source", "close")

    @property
    def outputs(self) -> tuple[str, ...]:
        return self.spec.outputs

    @property
    def key(self) -> str:
        """A stable, readable key: name, key parameters, non-default options, interval."""
        spec = self.spec
        res = self._resolved
        parts = [spec.name]
        for p in spec.key_params:
            v = res[p]
            parts.append(f"{v:g}" if isinstance(v, float) else str(v))
        for p in spec.params:
            if p.name not in spec.key_params and res[p.name] != p.default:
                parts.append(str(res[p.name]))
        if res.get("source", "close") != "close":
            parts.append(res["source"])
        parts.append(self.interval)
        return "_".join(parts)


class SessionIndicatorConfig(IndicatorConfig):
    """An indicator computed on intraday bars during the session.

    Examples
    --------
    >>> SessionIndicatorConfig(name="rsi", period=14, interval="5m").key
    'rsi_14_5m'
    """


class HistoricalIndicatorConfig(IndicatorConfig):
    """An indicator computed on daily bars from history, updated when a day closes.

    Examples
    --------
    >>> HistoricalIndicatorConfig(name="sma", period=20, params={"source": "volume"}).key
    'sma_20_volume_1d'
    """

    interval: str = "1d"


class IndicatorsConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    session: list[SessionIndicatorConfig] = Field(default_factory=list)
    historical: list[HistoricalIndicatorConfig] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_keys(self):
        seen: dict[str, str] = {}
        for group in ("session", "historical"):
            for i, cfg in enumerate(getattr(self, group)):
                where = f"{group}[{i}]"
                if cfg.key in seen:
                    raise ValueError(f"duplicate indicator key {cfg.key!r} at {where} (first at {seen[cfg.key]})")
                seen[cfg.key] = where
        return self

    def all(self) -> list[IndicatorConfig]:
        return [*self.session, *self.historical]


class SessionDataConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    indicators: IndicatorsConfig = Field(default_factory=IndicatorsConfig)
    bar_buffer_size: int = Field(390, ge=1, le=1_000_000, description="bars kept per symbol and interval")


class GapReset(BaseModel):
    """Reset indicators after a gap: when a symbol's next base bar opens more than
    ``minutes`` after its previous one, the named indicators start afresh (as if
    just registered) before that bar is applied. Gaps never create bars."""

    model_config = ConfigDict(extra="forbid")

    minutes: int = Field(..., ge=1, description="gap length (minutes between bar opens) that triggers a reset")
    indicators: list[str] = Field(..., min_length=1, description="indicator keys to reset")


class SessionConfig(BaseModel):
    """Everything a session needs: streams, indicators, calendar and policies.

    Examples
    --------
    >>> cfg = SessionConfig.from_dict({
    ...     "streams": ["1m"],
    ...     "session_data_config": {"indicators": {"session": [
    ...         {"name": "ema", "type": "trend", "period": 20, "interval": "5m"}]}}})
    >>> [c.key for c in cfg.indicator_configs()]
    ['ema_20_5m']
    """

    model_config = ConfigDict(extra="forbid")

    session_name: str = "session"
    base_interval: Literal["1m"] = "1m"
    streams: list[str] = Field(default_factory=lambda: ["1m"])
    symbols: list[str] = Field(default_factory=list)
    session: Session | str = "us_equity"
    session_data_config: SessionDataConfig = Field(default_factory=SessionDataConfig)
    bad_bar_policy: Literal["raise", "skip"] = "raise"
    nan_policy: Optional[Literal["raise", "skip"]] = Field(
        None, description="for bars whose only fault is a NaN or infinite field; default: bad_bar_policy")
    gap_reset: Optional[GapReset] = Field(
        None, description="reset named indicators when a symbol's bars resume after a long gap")
    late_bars: Literal["raise", "drop"] = "raise"
    allow_revisions: bool = Field(False, description="keep one step of undo per symbol for on_bar(..., revise=True)")
    snapshot_every: Optional[int] = Field(None, ge=1, description="write a snapshot every N timestamps")
    snapshot_path: Optional[str] = Field(None, description="where automatic snapshots are written")

    @model_validator(mode="after")
    def _gap_keys(self):
        if self.gap_reset is not None:
            keys = {c.key for c in self.indicator_configs()}
            unknown = [k for k in self.gap_reset.indicators if k not in keys]
            if unknown:
                raise ValueError(f"gap_reset.indicators: unknown key(s) {unknown}; keys: {sorted(keys)}")
        return self

    @model_validator(mode="after")
    def _snapshot_target(self):
        if self.snapshot_every is not None and not self.snapshot_path:
            raise ValueError("snapshot_every needs snapshot_path")
        return self

    @field_validator("streams")
    @classmethod
    def _streams(cls, v: list[str]) -> list[str]:
        for s in v:
            parse_interval(s)
        return v

    @field_validator("session")
    @classmethod
    def _session(cls, v):
        return get_session(v)

    # -- loading ------------------------------------------------------------
    @classmethod
    def from_dict(cls, data: dict, source: str = "config") -> "SessionConfig":
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise ConfigError(f"invalid session config ({source}):\n{format_validation_error(exc)}") from None

    @classmethod
    def from_file(cls, path: str | Path) -> "SessionConfig":
        """Read a JSON config file; :class:`ConfigError` names every bad field."""
        p = Path(path)
        try:
            text = p.read_text()
        except OSError as exc:
            raise ConfigError(f"cannot read session config {str(p)!r}: {exc.strerror}") from None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{p}: not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from None
        return cls.from_dict(data, source=str(p))

    # -- derived ------------------------------------------------------------
    def indicator_configs(self) -> list[IndicatorConfig]:
        return self.session_data_config.indicators.all()

    def intervals(self) -> list[str]:
        """Every interval the session needs: streams plus indicator intervals, shortest first."""
        ivs = set(self.streams) | {c.interval for c in self.indicator_configs()} | {self.base_interval}
        return sorted(ivs, key=interval_sort_key)


def list_indicators() -> list[dict]:
    """The indicator registry: name, title, type, inputs, outputs, parameter model, lookback.

    Examples
    --------
    >>> [d["name"] for d in list_indicators()][:3]
    ['sma', 'ema', 'rsi']
    """
    out = []
    for name, spec in REGISTRY.items():
        model = PARAMS_MODELS[name]
        defaults = {p.name: p.default for p in spec.params}
        out.append({
            "name": name,
            "title": spec.title,
            "type": IndicatorType(spec.type),
            "inputs": spec.inputs,
            "outputs": spec.outputs,
            "params": model,
            "lookback": spec.lookback(**defaults),
        })
    return out


__all__ = [
    "ConfigError", "IndicatorType", "IndicatorConfig", "SessionIndicatorConfig",
    "HistoricalIndicatorConfig", "IndicatorsConfig", "SessionDataConfig", "SessionConfig",
    "list_indicators", "params_model", "PARAMS_MODELS", *[m.__name__ for m in PARAMS_MODELS.values()],
]
