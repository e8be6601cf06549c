"""Saved models: JSON with coef, intercept (in the data's own units), features, target, the
training settings and a format version; `predict` refuses anything else."""

from __future__ import annotations

import json
import math

import numpy as np

from mlcalc.errors import InputError
from mlcalc.io.write import write_atomic

FORMAT = "mlcalc.linreg/1"


def save(path: str, result: dict, settings: dict, target_column: int) -> None:
    model = {"format": FORMAT, "kind": "linear-regression", "coef": [float(c) for c in result["coef"]],
             "intercept": float(result["intercept"]), "features": list(result["features"]),
             "target": result["target"], "target_column": target_column, "settings": settings,
             "train_loss": result["loss"], "train_r2": result["r2"]}
    write_atomic(path, (json.dumps(model, indent=2) + "\n").encode())


def load(path: str) -> dict:
    try:
        with open(path, encoding="utf-8") as f:
            model = json.load(f)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise InputError(f"{path}: not a model saved by train-linreg --save ({e.__class__.__name__})") from None
    ok = (isinstance(model, dict) and model.get("format") == FORMAT and isinstance(model.get("coef"), list)
          and isinstance(model.get("features"), list) and len(model["coef"]) == len(model["features"])
          and all(isinstance(c, (int, float)) and math.isfinite(c) for c in model["coef"])
          and isinstance(model.get("intercept"), (int, float)))
    if not ok:
        raise InputError(f"{path}: not a model saved by train-linreg --save (format {FORMAT})")
    return model


def require_unique_names(names: list[str], command: str, operand: str) -> None:
    """A saved model finds its features by name: a name twice would pick the first column twice."""
    seen: dict[str, int] = {}
    for j, name in enumerate(names, start=1):
        if name in seen:
            raise InputError(f"{command}: {operand} has the column name {name!r} twice (columns {seen[name]} "
                             f"and {j}): names must be unique")
        seen[name] = j


def feature_matrix(model: dict, values: np.ndarray, names: list[str] | None, source: str) -> np.ndarray:
    """The model's feature columns of DATA: by name when DATA has a header, else by position
    (a DATA with one column more than the features holds the target, which is dropped)."""
    features = model["features"]
    if values.ndim == 1:
        values = values.reshape(1, -1) if len(features) > 1 else values.reshape(-1, 1)
    if names:
        require_unique_names([n if n in features else f"\0{j}" for j, n in enumerate(names)], "predict", source)
        missing = [f for f in features if f not in names]
        if missing:
            raise InputError(f"predict: {source} has no column {missing[0]!r}; the model needs "
                             f"{', '.join(features)} (it has {', '.join(names)})")
        return values[:, [names.index(f) for f in features]]
    p = len(features)
    if values.shape[1] == p:
        return values
    if values.shape[1] == p + 1:
        t = int(model.get("target_column", p + 1)) - 1
        return np.delete(values, min(max(t, 0), p), axis=1)
    raise InputError(f"predict: {source} has {values.shape[1]} columns but the model has {p} features "
                     f"({', '.join(features)})")


def predict(model: dict, x: np.ndarray) -> np.ndarray:
    return x @ np.asarray(model["coef"], dtype=np.float64) + float(model["intercept"])
