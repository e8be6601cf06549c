"""Saved models: JSON with coef, intercept (in the data's own units), features, target, the
training settings and a format version; `predict` refuses anything else."""

from __future__ import annotations

import json
import math

import numpy as np

from mlcalc.errors import InputError
from mlcalc.io.read import ReadOptions, check_readable, first_nonfinite, stdin_bytes
from mlcalc.io.write import write_atomic
from mlcalc.ops.common import counted

FORMAT = "mlcalc.linreg/1"


def save(path: str, result: dict, settings: dict, target_column: int) -> None:
    model = {"format": FORMAT, "kind": "linear-regression", "coef": [float(c) for c in result["coef"]],
             "intercept": float(result["intercept"]), "features": list(result["features"]),
             "target": result["target"], "target_column": target_column, "settings": settings,
             "train_loss": result["loss"], "train_r2": result["r2"]}
    write_atomic(path, (json.dumps(model, indent=2) + "\n").encode())


def load(spec: str, memory_limit: str | None = None) -> dict:
    path = "standard input" if spec == "-" else spec

    def refuse(constant):  # NaN, Infinity: no model train-linreg saves has them
        raise InputError(f"{path}: {constant} where a model holds finite numbers "
                         f"(not a model saved by train-linreg --save, format {FORMAT})")

    if spec != "-":
        check_readable(path)  # missing, a directory, unreadable: the operand reader's words
    try:
        if spec == "-":  # `cat m.json | mlcalc predict - data.csv`, as every operand takes '-'
            from mlcalc.io import npyfile
            data = stdin_bytes(ReadOptions(memory_limit=memory_limit))  # closed, a terminal, endless (`yes |`): the operands' words
            if data.startswith(npyfile.MAGIC):
                raise InputError(f"{path}: NPY bytes, not a model saved by train-linreg --save (JSON, format {FORMAT})")
            model = json.loads(data.decode("utf-8"), parse_constant=refuse)
        else:
            with open(path, encoding="utf-8") as f:
                model = json.load(f, parse_constant=refuse)
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as e:  # JSONDecodeError is a ValueError
        raise InputError(f"{path}: not a model saved by train-linreg --save ({_unreadable(e)}); "
                         f"predict takes the model first: mlcalc predict MODEL DATA") from None
    problem = _model_problem(model)
    if problem:
        raise InputError(f"{path}: {problem} (not a model saved by train-linreg --save, format {FORMAT})")
    return model


def _unreadable(error: Exception) -> str:
    """Why a file did not load as JSON, in a user's words (a class name such as JSONDecodeError was all
    the message said)."""
    if isinstance(error, json.JSONDecodeError):
        return f"not JSON: {error.msg.lower()} at line {error.lineno}, column {error.colno}"
    if isinstance(error, UnicodeDecodeError):
        return "not UTF-8 text"
    if isinstance(error, RecursionError):
        return "JSON nested too deeply"
    return getattr(error, "strerror", None) or str(error)


def _number(x) -> bool:
    """A finite JSON number (not a boolean, not an integer beyond float range such as 10**400)."""
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        return False
    try:
        return math.isfinite(float(x))
    except OverflowError:
        return False


def _model_problem(model) -> str | None:
    """What is wrong with a loaded model, or None."""
    if not isinstance(model, dict) or "format" not in model:
        return "no format marker"
    if model["format"] != FORMAT:
        return f"format {model['format']!r}"
    if model.get("kind", "linear-regression") != "linear-regression":
        return f"kind {model.get('kind')!r}"
    coef, features = model.get("coef"), model.get("features")
    if not isinstance(coef, list) or not isinstance(features, list):
        return "coef and features must be lists"
    if len(coef) != len(features) or not coef:
        return (f"{len(coef)} coefficient{'s' if len(coef) != 1 else ''} for "
                f"{len(features)} feature{'s' if len(features) != 1 else ''}")
    if not all(isinstance(f, str) for f in features) or len(set(features)) != len(features):
        return "features must be distinct names"
    if not all(_number(c) for c in coef) or not _number(model.get("intercept")):
        return "coef and intercept must be finite numbers"
    t = model.get("target_column")
    if t is not None and (isinstance(t, bool) or not isinstance(t, int) or not 1 <= t <= len(features) + 1):
        return f"target_column must be a column number 1..{len(features) + 1}"
    return None


def _names_text(names: list[str], limit: int = 12) -> str:
    """A list of names for a message, cut short: a model may have millions of features."""
    shown = ", ".join(str(name) if str(name).strip() else repr(name) for name in names[:limit])  # '' seen as ''
    return shown + (f", … ({len(names)} in all)" if len(names) > limit else "")


def require_unique_names(names: list[str], command: str, operand: str) -> None:
    """A saved model finds its features by name: a name twice would pick the first column twice."""
    seen: dict[str, int] = {}
    for j, name in enumerate(names, start=1):
        if name in seen:
            raise InputError(f"{command}: {operand} has the column name {name!r} twice (columns {seen[name]} "
                             f"and {j}): names must be unique")
        seen[name] = j


def feature_matrix(model: dict, values: np.ndarray, names: list[str] | None, source: str,
                   first_row: int = 0) -> np.ndarray:
    """The model's feature columns of DATA: by name when DATA has a header, else by position
    (a DATA with one column more than the features holds the target, which is dropped). A NaN or Inf
    among them is an error naming its row (values being DATA's rows from first_row, 0-based, on) and its
    column in DATA (the target's may be anything)."""
    features = model["features"]
    if values.ndim == 1:
        values = values.reshape(1, -1) if len(features) > 1 else values.reshape(-1, 1)
    p = len(features)
    if names:
        require_unique_names([n if n in features else f"\0{j}" for j, n in enumerate(names)], "predict", source)
        missing = [f for f in features if f not in names]
        if missing:
            raise InputError(f"predict: {source} has no column {missing[0]!r}; the model needs "
                             f"{_names_text(features)} (it has {_names_text(names)})")
        columns = [names.index(f) for f in features]
    elif values.shape[1] == p:
        columns = list(range(p))
    elif values.shape[1] == p + 1:
        t = min(max(int(model.get("target_column", p + 1)) - 1, 0), p)
        columns = [j for j in range(p + 1) if j != t]
    else:
        raise InputError(f"predict: {source} has {counted(values.shape[1], 'column')} but the model has "
                         f"{counted(p, 'feature')} "
                         f"({_names_text(features)})")
    x = values if columns == list(range(values.shape[1])) else values[:, columns]
    bad = first_nonfinite(x)
    if bad is not None:  # counted in DATA's columns, not in the model's order
        i, j = bad
        raise InputError(f"predict: DATA has a non-finite value ({x[i - 1, j - 1]}) at row {first_row + i}, "
                         f"column {columns[j - 1] + 1}")
    return x


def predict(model: dict, x: np.ndarray) -> np.ndarray:
    """ŷ = X·w + b in X's precision (float32 under --dtype float32, as every other command computes)."""
    dtype = x.dtype if x.dtype in (np.float32, np.float64) else np.float64
    return x @ np.asarray(model["coef"], dtype=dtype) + dtype.type(model["intercept"])
