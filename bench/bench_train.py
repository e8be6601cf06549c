"""train-linreg against scikit-learn on a generated n × 20 data set, in one run:
--method normal vs LinearRegression and Ridge, and 5 epochs of --method sgd vs SGDRegressor(max_iter=5),
time and final training MSE of each; plus reading the data from NPY and from CSV.

    python bench/bench_train.py [--rows 1000000] [--quick]      (bench-only dependency: scikit-learn)
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

from mlcalc import config

# as in mlcalc itself: OpenBLAS reads its thread settings when NumPy loads it, and its threads left
# spinning after a NumPy call would take a core from the numba kernel that runs next
config.early()

import numpy as np  # noqa: E402


def best_of(fn, repeats=3):
    best, out = float("inf"), None
    for _ in range(repeats):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--quick", action="store_true", help="100,000 rows")
    args = ap.parse_args()
    n, p = (100_000 if args.quick else args.rows), 20
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, p)) * rng.uniform(0.5, 3, p) + rng.uniform(-2, 2, p)
    w_true = rng.standard_normal(p)
    y = x @ w_true + 3.0 + rng.normal(0, 0.5, n)
    table = np.column_stack([x, y])

    from sklearn.linear_model import LinearRegression, Ridge, SGDRegressor
    from sklearn.preprocessing import StandardScaler

    from mlcalc import config
    config.apply()
    from mlcalc.io.read import read_operand
    from mlcalc.train import linreg

    d = tempfile.mkdtemp()
    npy, csv = os.path.join(d, "data.npy"), os.path.join(d, "data.csv")
    np.save(npy, table)
    with open(csv, "w") as f:
        f.write(",".join([f"x{j}" for j in range(1, p + 1)] + ["y"]) + "\n")
        for row in table:
            f.write(",".join(repr(float(v)) for v in row) + "\n")
    data = linreg.Data(x, y, [f"x{j}" for j in range(1, p + 1)], "y", p + 1)

    def mse(pred):
        return float(np.mean((pred - y) ** 2))

    rows = []
    t, _ = best_of(lambda: read_operand(npy), 3)
    rows.append(("read DATA from NPY (mlcalc)", t, ""))
    t, _ = best_of(lambda: read_operand(csv), 1)
    rows.append((f"read DATA from CSV (mlcalc, {os.path.getsize(csv) / 1e6:.0f} MB)", t, ""))

    t_ours, r = best_of(lambda: linreg.fit(data, linreg.Config(method="normal"), engine="auto"))
    rows.append(("mlcalc --method normal", t_ours, r["loss"]))
    t, m = best_of(lambda: LinearRegression().fit(x, y))
    rows.append(("sklearn LinearRegression", t, mse(m.predict(x))))
    t_ridge, m = best_of(lambda: Ridge(alpha=1e-6).fit(x, y))
    rows.append(("sklearn Ridge", t_ridge, mse(m.predict(x))))

    cfg = linreg.Config(method="sgd", epochs=5, standardize=True, seed=0, tol=None)
    linreg.fit(data, linreg.Config(method="sgd", epochs=1, standardize=True, seed=0), engine="numba")  # compile
    t_sgd, r = best_of(lambda: linreg.fit(data, cfg, engine="numba"))
    rows.append(("mlcalc --method sgd, 5 epochs (batch 32, numba)", t_sgd, r["loss"]))

    def sk_sgd():
        xs = StandardScaler().fit_transform(x)
        ys_mean, ys_std = y.mean(), y.std()
        m = SGDRegressor(max_iter=5, tol=None, random_state=0).fit(xs, (y - ys_mean) / ys_std)
        return m.predict(xs) * ys_std + ys_mean

    import warnings
    warnings.simplefilter("ignore")
    t_sk, pred = best_of(sk_sgd)
    rows.append(("sklearn SGDRegressor(max_iter=5), standardized", t_sk, mse(pred)))

    print(f"machine: {os.cpu_count()} CPUs; data {n:,} × {p} float64 (y = X·w + 3 + N(0, 0.5²))")
    print(f"{'case':52} {'seconds':>9} {'train MSE':>12}")
    for name, secs, loss in rows:
        print(f"{name:52} {secs:9.3f} {loss if loss == '' else f'{loss:12.6g}':>12}")
    print(f"normal equation ÷ Ridge time: {t_ours / t_ridge:.2f} (target ≤ 1)")
    print(f"SGDRegressor ÷ our sgd time: {t_sk / t_sgd:.1f}× (target ≥ 5× at equal or lower MSE)")


if __name__ == "__main__":
    main()
