"""Compute the polynomial of mlcalc/kernels/cpu/vexp.py: q(r) ≈ (eʳ − 1 − r) / r² on |r| ≤ ln2/2.

vexp evaluates eʳ = 1 + r + r²·q(r). q of degree 9 is fitted by the Remez exchange so that the
largest error of eʳ relative to eʳ, w(r)·|q(r) − f(r)| with w = r²·e⁻ʳ, is as small as can be
(it equioscillates over 11 points; r = 0 is never one, the weight vanishes there). The float64
coefficients are then fixed one at a time, lowest first, each time refitting those above it, so that
the rounding of one is made up by the others: 2^−57.8 with the float64 values, the exact fit's
2^−57.9, against 2^−57.2 for the Taylor series of degree 13 used before (two terms more).
Needs mpmath (not a dependency of mlcalc):

    pip install mpmath && python bench/gen_exp_poly.py     # ~30 s; prints the coefficients
"""

from __future__ import annotations

import mpmath as mp

mp.mp.dps = 50
HALF_LN2 = mp.log(2) / 2
DEGREE = 9
N = DEGREE + 1  # coefficients of q
GRID = [HALF_LN2 * (2 * mp.mpf(i) / 3000 - 1) for i in range(3001)]


def target(r):
    return mp.mpf(1) / 2 if r == 0 else (mp.exp(r) - 1 - r) / r**2


def weight(r):
    return r**2 / mp.exp(r)


F = [target(r) for r in GRID]
W = [weight(r) for r in GRID]


def weighted_error(coef: dict) -> list:
    return [W[i] * (sum(c * GRID[i]**k for k, c in coef.items()) - F[i]) for i in range(len(GRID))]


def alternating_extrema(err: list, count: int) -> list:
    """Grid indices of the local extrema of err, one per run of equal sign (the largest), trimmed to
    count from the end with the smaller error."""
    peaks = [i for i in range(len(err)) if err[i] != 0
             and (i == 0 or abs(err[i]) >= abs(err[i - 1])) and (i == len(err) - 1 or abs(err[i]) >= abs(err[i + 1]))]
    runs: list = []
    for i in peaks:
        if runs and mp.sign(err[i]) == mp.sign(err[runs[-1]]):
            if abs(err[i]) > abs(err[runs[-1]]):
                runs[-1] = i
        else:
            runs.append(i)
    while len(runs) > count:
        runs.pop(0 if abs(err[runs[0]]) < abs(err[runs[-1]]) else -1)
    return runs


def remez(fixed: dict, reference: list | None) -> tuple[dict, list]:
    """The free coefficients (those not in fixed) of the best weighted fit, and its reference points."""
    free = [k for k in range(N) if k not in fixed]
    m = len(free)
    if reference is None:  # Chebyshev extrema, none at 0
        pts = [HALF_LN2 * mp.cos(mp.pi * (m + 1 - i) / (m + 1)) for i in range(m + 2)]
        pts = [p for p in pts if abs(p) > HALF_LN2 / 100]
        while len(pts) > m + 1:
            pts.pop(len(pts) // 2)
        reference = [min(range(len(GRID)), key=lambda j: abs(GRID[j] - p)) for p in pts]
    else:
        reference = reference[len(reference) - (m + 1):]
    for _ in range(25):
        a = mp.matrix(m + 1, m + 1)
        b = mp.matrix(m + 1, 1)
        for row, i in enumerate(reference):
            for col, k in enumerate(free):
                a[row, col] = GRID[i]**k
            a[row, m] = (-1)**row / W[i]  # the levelled error, alternating
            b[row] = F[i] - sum(c * GRID[i]**k for k, c in fixed.items())
        sol = mp.lu_solve(a, b)
        coef = {**fixed, **{k: sol[col] for col, k in enumerate(free)}}
        nxt = alternating_extrema(weighted_error(coef), m + 1)
        if len(nxt) == m + 1:
            reference = nxt
    return coef, reference


def main() -> None:
    fixed: dict = {}
    reference = None
    for k in range(N - 4):  # the top four are rounded together: their rounding is below 2⁻⁷⁰
        coef, reference = remez(fixed, reference)
        fixed[k] = mp.mpf(float(coef[k]))
    for k in range(N - 4, N):
        fixed[k] = mp.mpf(float(coef[k]))
    worst = max(abs(e) for e in weighted_error(fixed))
    print(f"# largest relative error of e^r with these float64 coefficients: 2^{float(mp.log(worst, 2)):.1f}")
    print(", ".join(repr(float(fixed[k])) for k in range(N)))


if __name__ == "__main__":
    main()
