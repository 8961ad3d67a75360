"""Generate docs/config-reference.md from the pydantic models of the session config.

    python docs/gen_config_reference.py          # rewrite docs/config-reference.md
    python docs/gen_config_reference.py --check  # exit 1 if the file is stale

The reference is built from ``SessionConfig.model_json_schema()`` (every model
reachable from it, in the order a config file nests them) and from each
indicator's parameter model in ``ringta.coordinator.config.PARAMS_MODELS``.
Field descriptions come from the schema; where a model has none, the short
note in ``NOTES`` below is used.
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
TARGET = HERE / "config-reference.md"

# Used only where the schema has no description for a field.
NOTES = {
    "SessionConfig.session_name": "A label for logs and reports.",
    "SessionConfig.base_interval": "Interval of the bars fed to the session; every other interval is derived from it.",
    "SessionConfig.streams": "Intervals whose bars are kept for every symbol even if no indicator uses them.",
    "SessionConfig.symbols": "Symbols registered when the coordinator starts, and the default symbol list of batch runs.",
    "SessionConfig.session": "Trading calendar that derived bars are aligned to: `\"us_equity\"`, `\"24x7\"` or a Session object.",
    "SessionConfig.session_data_config": "Indicators and bar buffers.",
    "SessionConfig.bad_bar_policy": "`raise`: a bad bar raises `BarError`; `skip`: it is counted and logged. Either way no state changes.",
    "SessionDataConfig.indicators": "The `session` and `historical` indicator lists. Keys must be unique across both.",
    "IndicatorsConfig.session": "Indicators on intraday (or daily) bars, updated as the session runs.",
    "IndicatorsConfig.historical": "Indicators on daily bars, warmed from history, ready at the open, updated when the day closes.",
    "*IndicatorConfig.name": "Indicator name from the registry (see the parameter sections below).",
    "*IndicatorConfig.type": "Optional family; if given it must match the indicator's.",
    "*IndicatorConfig.period": "Fills the indicator's `period` parameter (MACD and OBV have none: use `params`).",
    "*IndicatorConfig.interval": "Interval the indicator is computed on.",
    "*IndicatorConfig.params": "The indicator's other parameters, checked by its parameter model below.",
    "EmaParams.seed": "`sma`: start from the mean of the first `period` inputs (TA-Lib); `first`: from the first input.",
    "MacdParams.seed": "Seed of the EMAs, as for `ema`.",
    "KeltnerParams.seed": "Seed of the middle line's EMA, as for `ema`.",
}

ALLOWED = {
    "SessionConfig.streams": "items in {intervals}",
    "SessionConfig.session": "a name in {sessions}, or a Session object",
    "*IndicatorConfig.interval": "one of {intervals}",
    "Session.timezone": "an IANA time zone",
}


def _clean(text: str) -> str:
    return " ".join(text.replace("``", "`").split())


def _docstring_parts(desc: str) -> tuple[str, dict[str, str]]:
    """The first paragraph of a docstring and its numpy-style ``Parameters`` entries."""
    lines = desc.splitlines()
    summary: list[str] = []
    for line in lines:
        if not line.strip():
            break
        summary.append(line.strip())
    params: dict[str, str] = {}
    if "Parameters" in lines:
        i = lines.index("Parameters") + 2
        current: list[str] = []
        while i < len(lines) and not (lines[i].strip() and i + 1 < len(lines) and set(lines[i + 1].strip()) == {"-"}):
            line = lines[i]
            m = re.match(r"^([A-Za-z_][\w, ]*) : .*$", line)
            if m:
                current = [n.strip() for n in m.group(1).split(",")]
                for n in current:
                    params[n] = ""
            elif line.startswith(" ") and current:
                for n in current:
                    params[n] = (params[n] + " " + line.strip()).strip()
            i += 1
    return " ".join(summary), params


def _type(schema: dict) -> str:
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[1]
    if "anyOf" in schema:
        return " or ".join(_type(s) for s in schema["anyOf"])
    if "const" in schema:
        return f"`{json.dumps(schema['const'])}`"
    if "enum" in schema:
        return " \\| ".join(f"`{json.dumps(v)}`" for v in schema["enum"])
    t = schema.get("type", "any")
    if t == "array":
        return f"list of {_type(schema.get('items', {}))}"
    if t == "object":
        return "object"
    if t == "null":
        return "null"
    if schema.get("format") == "time":
        return "time (`HH:MM`)"
    return {"integer": "integer", "number": "number", "string": "string", "boolean": "boolean"}.get(t, t)


def _constraints(schema: dict) -> list[str]:
    out = []
    lo, hi = schema.get("minimum"), schema.get("maximum")
    if lo is not None and hi is not None:
        out.append(f"{lo} ≤ value ≤ {hi}")
    elif lo is not None:
        out.append(f"≥ {lo}")
    elif hi is not None:
        out.append(f"≤ {hi}")
    for k, sym in (("exclusiveMinimum", ">"), ("exclusiveMaximum", "<")):
        if k in schema:
            out.append(f"{sym} {schema[k]}")
    return out


def _default(model: str, name: str, prop: dict, required: bool) -> str:
    if required:
        return "**required**"
    if "default" in prop:
        return f"`{json.dumps(prop['default'])}`"
    if "$ref" in prop:
        return "see below"
    cls = _models().get(model)
    if cls is not None and name in cls.model_fields:  # a default_factory: not in the schema
        value = cls.model_fields[name].get_default(call_default_factory=True)
        return f"`{json.dumps(value)}`"
    return "—"


def _models() -> dict:
    from pydantic import BaseModel

    from ringta.coordinator import config, intervals

    out = {}
    for mod in (config, intervals):
        for k, v in vars(mod).items():
            if isinstance(v, type) and issubclass(v, BaseModel):
                out[k] = v
    return out


def _note(table: dict, model: str, field: str) -> str | None:
    keys = [f"{model}.{field}"]
    if model.endswith("IndicatorConfig"):
        keys.append(f"*IndicatorConfig.{field}")
    for key in keys:
        if key in table:
            return table[key]
    return None


def _field_rows(model: str, schema: dict, fmt: dict) -> list[str]:
    _, doc_params = _docstring_parts(schema.get("description", ""))
    required = set(schema.get("required", []))
    rows = ["| field | type | default | constraints | description |", "|---|---|---|---|---|"]
    for name, prop in schema.get("properties", {}).items():
        cons = _constraints(prop)
        if (allowed := _note(ALLOWED, model, name)) is not None:
            cons.append(allowed.format(**fmt))
        desc = prop.get("description") or doc_params.get(name) or _note(NOTES, model, name) or ""
        rows.append(f"| `{name}` | {_type(prop)} | {_default(model, name, prop, name in required)} | "
                    f"{'; '.join(cons) or '—'} | {_clean(desc)} |")
    return rows


def _refs(prop: dict) -> list[tuple[str, str]]:
    """(definition name, suffix) for every model a property points to."""
    if "$ref" in prop:
        return [(prop["$ref"].rsplit("/", 1)[1], "")]
    if prop.get("type") == "array" and "items" in prop:
        return [(n, "[]" + s) for n, s in _refs(prop["items"])]
    out = []
    for alt in prop.get("anyOf", []):
        out += _refs(alt)
    return out


def render() -> str:
    from ringta.coordinator.config import PARAMS_MODELS, IndicatorConfig, SessionConfig
    from ringta.coordinator.intervals import SESSIONS, VALID_INTERVALS
    from ringta.kernels import REGISTRY

    fmt = {"intervals": ", ".join(f"`{i}`" for i in VALID_INTERVALS),
           "sessions": ", ".join(f"`{s}`" for s in SESSIONS)}
    root = SessionConfig.model_json_schema()
    defs = root.get("$defs", {})

    # Models in the order a config file nests them, each with the path(s) where it appears.
    order: list[tuple[str, dict, list[str]]] = [("SessionConfig", root, ["(top level)"])]
    paths: dict[str, list[str]] = {}
    queue = [("SessionConfig", root, "")]
    while queue:
        _, schema, prefix = queue.pop(0)
        for field, prop in schema.get("properties", {}).items():
            for ref, suffix in _refs(prop):
                path = f"{prefix}{field}{suffix}"
                if ref not in paths:
                    paths[ref] = []
                    queue.append((ref, defs[ref], path + "."))
                    order.append((ref, defs[ref], paths[ref]))
                paths[ref].append(path)

    out = [
        "# Configuration reference",
        "",
        "<!-- Generated by `python docs/gen_config_reference.py` from the pydantic models; do not edit by hand. -->",
        "",
        "A session config is a JSON object (a file read with `SessionConfig.from_file`, or a dict given to",
        "`SessionConfig.from_dict` or `SessionCoordinator`). Unknown fields are refused everywhere; an invalid",
        "config raises `ConfigError` naming every bad field by its path, e.g.",
        "`session_data_config.indicators.session[2].period`. See [coordinator.md](coordinator.md) for how",
        "the fields are used and `examples/unified_config_example.json` for a complete file.",
        "",
        "Sections: " + ", ".join(f"[{n}](#{n.lower()})" for n, _, _ in order) + ", [indicator parameters](#indicator-parameters).",
        "",
    ]
    for name, schema, where in order:
        out.append(f"## {name}")
        out.append("")
        out.append("Where: " + ", ".join(f"`{w}`" if not w.startswith("(") else w for w in where))
        out.append("")
        summary, _ = _docstring_parts(schema.get("description", ""))
        if summary:
            out += [_clean(summary), ""]
        if "enum" in schema:
            out += ["Values: " + ", ".join(f"`{v}`" for v in schema["enum"]), ""]
            continue
        out += _field_rows(name, schema, fmt)
        out.append("")

    out += [
        "## Indicator parameters",
        "",
        "The `params` object of an indicator config is checked by the indicator's parameter model",
        "(`ringta.coordinator.params_model(name)`). `period` may be given at the top level of the",
        "indicator config instead of in `params`, not in both with different values. The indicator key",
        "(how values are read back) is built from the name, the key parameters, every non-default",
        "other parameter, a non-`close` `source`, and the interval.",
        "",
    ]
    for name, model in PARAMS_MODELS.items():
        spec = REGISTRY[name]
        schema = model.model_json_schema()
        key = IndicatorConfig(name=name, interval="5m").key
        outputs = ", ".join(f"`{o}`" for o in spec.outputs)
        out += [
            f"### `{name}`: {spec.title} (`{model.__name__}`)",
            "",
            f"Type `{spec.type}`; inputs {', '.join(f'`{i}`' for i in spec.inputs)}; "
            f"output{'s' if len(spec.outputs) > 1 else ''} {outputs}; key with the defaults on `5m`: `{key}`.",
            "",
        ]
        out += _field_rows(model.__name__, schema, fmt)
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Generate docs/config-reference.md from the config models.")
    ap.add_argument("--check", action="store_true", help="exit 1 if docs/config-reference.md is out of date")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(HERE.parent))
    text = render()
    current = TARGET.read_text() if TARGET.exists() else ""
    if args.check:
        if current != text:
            diff = difflib.unified_diff(current.splitlines(), text.splitlines(), str(TARGET), "generated", lineterm="")
            print("\n".join(list(diff)[:40]))
            print(f"{TARGET.name} is stale: run python docs/gen_config_reference.py", file=sys.stderr)
            return 1
        print(f"{TARGET.name} is up to date")
        return 0
    if current != text:
        TARGET.write_text(text)
        print(f"wrote {TARGET.name}")
    else:
        print(f"{TARGET.name} unchanged")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
