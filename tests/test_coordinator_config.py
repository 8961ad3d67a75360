"""SessionConfig loading: the example config, and every kind of invalid config.

Every error must be a ConfigError (a ValueError) whose message names the
field path and the bad value.
"""

from __future__ import annotations

import copy
import json

import pytest
from pydantic import BaseModel, ValidationError

from conftest import REPO_ROOT
from ringta.coordinator import (
    VALID_INTERVALS,
    ConfigError,
    HistoricalIndicatorConfig,
    IndicatorConfig,
    IndicatorType,
    SessionConfig,
    SessionIndicatorConfig,
    list_indicators,
    params_model,
)
from ringta.kernels import REGISTRY

EXAMPLE = REPO_ROOT / "examples" / "unified_config_example.json"
EXAMPLE_KEYS = [
    "ema_9_1m", "ema_20_5m", "sma_20_1m", "rsi_14_1m", "rsi_14_5m", "macd_12_26_9_5m",
    "bbands_20_2_5m", "obv_1m", "sma_20_volume_1d", "sma_50_1d", "rsi_14_1d",
]
SESSION = "session_data_config.indicators.session"
HISTORICAL = "session_data_config.indicators.historical"


@pytest.fixture()
def example_dict() -> dict:
    return json.loads(EXAMPLE.read_text())


def _session(d):
    return d["session_data_config"]["indicators"]["session"]


def _error(d) -> str:
    with pytest.raises(ConfigError) as exc:
        SessionConfig.from_dict(d)
    assert isinstance(exc.value, ValueError)
    return str(exc.value)


# ---------------------------------------------------------------------------
# The example config
# ---------------------------------------------------------------------------

def test_example_config_loads():
    cfg = SessionConfig.from_file(EXAMPLE)
    configs = cfg.indicator_configs()
    assert len(configs) == 11
    assert [c.key for c in configs] == EXAMPLE_KEYS
    assert len(cfg.session_data_config.indicators.session) == 8
    assert len(cfg.session_data_config.indicators.historical) == 3
    assert all(isinstance(c, SessionIndicatorConfig) for c in cfg.session_data_config.indicators.session)
    assert all(isinstance(c, HistoricalIndicatorConfig) for c in cfg.session_data_config.indicators.historical)
    assert cfg.streams == ["1m", "5m"]
    assert cfg.intervals() == ["1m", "5m", "1d"]
    assert cfg.bad_bar_policy == "raise"
    assert cfg.session_data_config.bar_buffer_size == 390
    assert cfg.session.name == "us_equity" and cfg.session.timezone == "America/New_York"
    macd = configs[5]
    assert macd.resolved_params == {"fast_period": 12, "slow_period": 26, "signal_period": 9, "seed": "sma"}
    assert macd.outputs == ("macd", "signal", "hist")
    vol = configs[8]
    assert vol.source == "volume" and vol.resolved_params == {"period": 20} and vol.interval == "1d"
    assert configs[9].source == "close"


def test_example_from_file_equals_from_dict(example_dict):
    a = SessionConfig.from_file(EXAMPLE)
    b = SessionConfig.from_dict(example_dict)
    assert [c.key for c in a.indicator_configs()] == [c.key for c in b.indicator_configs()]
    assert a.model_dump() == b.model_dump()


def test_indicator_config_positional_and_keys():
    c = IndicatorConfig("sma", IndicatorType.TREND, 20, "5m")
    assert (c.name, c.type, c.period, c.interval) == ("sma", IndicatorType.TREND, 20, "5m")
    assert c.key == "sma_20_5m"
    assert IndicatorConfig("ema", IndicatorType.TREND, 20, "5m").key == "ema_20_5m"
    assert IndicatorConfig("macd", IndicatorType.TREND, None, "5m", {"fast_period": 12}).key == "macd_12_26_9_5m"
    assert IndicatorConfig("bbands", IndicatorType.VOLATILITY, 20, "5m", {"num_std": 2.0}).key == "bbands_20_2_5m"
    assert IndicatorConfig("sma", IndicatorType.TREND, 20, "1d", {"source": "volume"}).key == "sma_20_volume_1d"
    # a non-default option shows up in the key
    assert IndicatorConfig("ema", IndicatorType.TREND, 9, "1m", {"seed": "first"}).key != "ema_9_1m"


# ---------------------------------------------------------------------------
# Invalid configs: path + bad value in the message
# ---------------------------------------------------------------------------

def test_unknown_indicator_name_lists_known(example_dict):
    _session(example_dict)[2]["name"] = "smaa"
    msg = _error(example_dict)
    assert f"{SESSION}[2].name" in msg
    assert "'smaa'" in msg
    for name in REGISTRY:
        assert name in msg


@pytest.mark.parametrize("period", [0, -5, 100_001])
def test_period_out_of_range(example_dict, period):
    _session(example_dict)[2]["period"] = period
    msg = _error(example_dict)
    assert f"{SESSION}[2].period" in msg
    assert str(period) in msg


def test_non_integer_period(example_dict):
    _session(example_dict)[2]["period"] = 2.5
    msg = _error(example_dict)
    assert f"{SESSION}[2].period" in msg
    assert "2.5" in msg


@pytest.mark.parametrize("bad", [True, "20", 20.0, "twenty"], ids=["bool", "numeric-string", "float", "string"])
def test_non_integer_period_types_rejected(example_dict, bad):
    _session(example_dict)[2]["period"] = bad
    msg = _error(example_dict)
    assert f"{SESSION}[2].period" in msg
    assert repr(bad) in msg


def test_non_integer_param_period_rejected(example_dict):
    # the same value given through params is rejected too (strict int)
    _session(example_dict)[2].pop("period")
    _session(example_dict)[2]["params"] = {"period": "20"}
    msg = _error(example_dict)
    assert f"{SESSION}[2].params" in msg and "'20'" in msg


def test_unknown_interval_lists_valid(example_dict):
    _session(example_dict)[2]["interval"] = "7m"
    msg = _error(example_dict)
    assert f"{SESSION}[2].interval" in msg
    assert "'7m'" in msg
    for iv in VALID_INTERVALS:
        assert iv in msg


def test_unknown_stream_interval(example_dict):
    example_dict["streams"] = ["1m", "2m"]
    msg = _error(example_dict)
    assert "streams" in msg and "'2m'" in msg


@pytest.mark.parametrize("fast", [26, 30])
def test_macd_fast_not_below_slow(example_dict, fast):
    _session(example_dict)[5]["params"]["fast_period"] = fast
    msg = _error(example_dict)
    assert f"{SESSION}[5].params" in msg
    assert f"fast_period={fast}" in msg and "slow_period=26" in msg


def test_params_model_macd_checks_fast_below_slow():
    model = params_model("macd")
    assert model.__name__ == "MacdParams"
    assert model(fast_period=3, slow_period=10).slow_period == 10
    with pytest.raises(ValidationError):
        model(fast_period=10, slow_period=10)
    with pytest.raises(ValidationError):
        model(fast_period=12, slow_period=26, bogus=1)


def test_unknown_param(example_dict):
    _session(example_dict)[6]["params"]["foo"] = 1
    msg = _error(example_dict)
    assert f"{SESSION}[6].params" in msg
    assert "foo" in msg


def test_unknown_param_historical(example_dict):
    example_dict["session_data_config"]["indicators"]["historical"][1]["params"] = {"window": 3}
    msg = _error(example_dict)
    assert f"{HISTORICAL}[1].params" in msg and "window" in msg


def test_wrong_type_for_indicator(example_dict):
    _session(example_dict)[2]["type"] = "momentum"
    msg = _error(example_dict)
    assert f"{SESSION}[2].type" in msg
    assert "'momentum'" in msg and "trend" in msg


def test_invalid_type_value(example_dict):
    _session(example_dict)[2]["type"] = "magic"
    msg = _error(example_dict)
    assert f"{SESSION}[2].type" in msg and "'magic'" in msg


@pytest.mark.parametrize("group,where", [("session", "session[8]"), ("historical", "historical[3]")])
def test_duplicate_key(example_dict, group, where):
    dup = copy.deepcopy(_session(example_dict)[0])
    example_dict["session_data_config"]["indicators"][group].append(dup)
    msg = _error(example_dict)
    assert "session_data_config.indicators" in msg
    assert "'ema_9_1m'" in msg
    assert where in msg and "session[0]" in msg


def test_bad_policy(example_dict):
    example_dict["bad_bar_policy"] = "ignore"
    msg = _error(example_dict)
    assert "bad_bar_policy" in msg and "'ignore'" in msg


def test_bad_json_file(tmp_path):
    p = tmp_path / "bad.json"
    p.write_text('{"streams": ["1m",]}')
    with pytest.raises(ConfigError) as exc:
        SessionConfig.from_file(p)
    msg = str(exc.value)
    assert str(p) in msg and "JSON" in msg and "line 1" in msg


def test_missing_file(tmp_path):
    p = tmp_path / "nope.json"
    with pytest.raises(ConfigError) as exc:
        SessionConfig.from_file(p)
    assert str(p) in str(exc.value)


def test_invalid_file_content_names_file_and_path(tmp_path, example_dict):
    _session(example_dict)[3]["period"] = 0
    p = tmp_path / "cfg.json"
    p.write_text(json.dumps(example_dict))
    with pytest.raises(ConfigError) as exc:
        SessionConfig.from_file(p)
    msg = str(exc.value)
    assert str(p) in msg and f"{SESSION}[3].period" in msg and "0" in msg


def test_several_errors_all_reported(example_dict):
    _session(example_dict)[1]["period"] = 0
    _session(example_dict)[4]["interval"] = "9m"
    msg = _error(example_dict)
    assert f"{SESSION}[1].period" in msg and f"{SESSION}[4].interval" in msg


# ---------------------------------------------------------------------------
# list_indicators
# ---------------------------------------------------------------------------

def test_list_indicators_covers_registry():
    items = list_indicators()
    assert [d["name"] for d in items] == list(REGISTRY)
    for d in items:
        spec = REGISTRY[d["name"]]
        assert isinstance(d["type"], IndicatorType) and d["type"].value == spec.type
        assert d["inputs"] == spec.inputs and d["outputs"] == spec.outputs
        assert isinstance(d["params"], type) and issubclass(d["params"], BaseModel)
        assert d["params"] is params_model(d["name"])
        defaults = {p.name: p.default for p in spec.params}
        assert d["lookback"] == spec.lookback(**defaults)
        assert isinstance(d["lookback"], int) and d["lookback"] >= 0
        fields = set(d["params"].model_fields)
        # single-input indicators can read another bar field; OBV reads close and volume
        assert fields == set(defaults) | ({"source"} if len(spec.inputs) == 1 else set())
    by = {d["name"]: d for d in items}
    # independent lookbacks (TA-Lib conventions) for the defaults
    assert by["sma"]["lookback"] == 29
    assert by["ema"]["lookback"] == 29
    assert by["rsi"]["lookback"] == 14
    assert by["macd"]["lookback"] == 33
    assert by["bbands"]["lookback"] == 19
    assert by["obv"]["lookback"] == 0
