"""Whatever a careless or hostile user feeds it, a command ends with a result (exit 0) or one error line
(exit 1), never a traceback, and an output file is written whole or not at all. Hypothesis draws the
operands' contents (text in the readers' alphabet, damaged NPY files, raw bytes), the command and the
engine."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import run_cli

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# (command and options, number of operands)
COMMANDS = [
    (["det"], 1), (["inv"], 1), (["rank"], 1), (["rref"], 1), (["eig"], 1), (["svd"], 1), (["pinv"], 1),
    (["inspect"], 1), (["transpose"], 1), (["norm"], 1), (["norm", "--ord", "nuc"], 1),
    (["norm", "--axis", "rows"], 1), (["scale", "--by", "2"], 1), (["activate", "--fn", "softmax"], 1),
    (["activate", "--fn", "gelu", "--grad"], 1), (["matmul"], 2), (["add"], 2), (["hadamard"], 2),
    (["dot"], 2), (["outer"], 2), (["cross"], 2), (["dist"], 2), (["project"], 2), (["solve"], 2),
    (["loss", "--fn", "mse", "--grad"], 2), (["loss", "--fn", "cross-entropy"], 2), (["embed"], 2),
    (["conv2d", "--padding", "1"], 2), (["forward", "--act", "tanh", "--weights"], 2), (["attention", "--causal"], 3),
    (["det", "--exact"], 1), (["solve", "--exact"], 2),
]

text_alphabet = st.sampled_from(list("0123456789") * 4 + list(" ,;\t\n\r-+.eE/\"'#[]xyz") +
                                ["nan", "inf", "-inf", "1e999", "\ufeff", "NA", "1/0", "0x1F", "１", "\x00"])
text_contents = st.lists(text_alphabet, max_size=60).map(lambda cells: "".join(cells).encode("utf-8", "surrogatepass"))


@st.composite
def damaged_npy(draw):
    shape = draw(st.sampled_from([(3,), (2, 2), (1, 3), (3, 1), (2, 3), (3, 3), (2, 2, 2)]))
    dtype = draw(st.sampled_from(["<f8", "<f4", "<i4", "|b1", ">f8", "<c16", "<U3"]))
    buf = io.BytesIO()
    np.save(buf, np.ones(shape).astype(dtype))
    data = bytearray(buf.getvalue())
    for _ in range(draw(st.integers(0, 3))):  # flip bytes in the header or the data
        i = draw(st.integers(0, len(data) - 1))
        data[i] = draw(st.integers(0, 255))
    if draw(st.booleans()):
        data = data[:draw(st.integers(0, len(data)))]  # cut short
    return bytes(data), ".npy"


contents = st.one_of(
    text_contents.map(lambda b: (b, ".csv")),
    damaged_npy(),
    st.binary(max_size=80).map(lambda b: (b, draw_suffix(b))),
)


def draw_suffix(b: bytes) -> str:
    return (".npy", ".csv", ".json", "")[len(b) % 4]


@SETTINGS
@given(st.sampled_from(COMMANDS), st.lists(contents, min_size=3, max_size=3), st.sampled_from(["auto", "numba"]),
       st.booleans())
def test_any_input_gives_a_result_or_one_error_line(command, operands, engine, to_file):
    args, count = command
    with tempfile.TemporaryDirectory() as d:
        folder = Path(d)
        paths = []
        for i, (data, suffix) in enumerate(operands[:count]):
            p = folder / f"op{i}{suffix}"
            p.write_bytes(data)
            paths.append(str(p))
        out = folder / "result.csv"
        extra = ["-o", str(out)] if to_file else []
        if args[-1] == "--weights":  # forward X --weights W
            argv = [args[0], paths[0], *args[1:], paths[1]]
        else:
            argv = [args[0], *paths, *args[1:]]
        r = run_cli(*argv, "--engine", engine, *extra)
        assert r.code in (0, 1), (argv, r.code, r.stderr)
        assert "Traceback" not in r.stderr, (argv, r.stderr)
        if r.code == 1:
            lines = [line for line in r.stderr.splitlines() if line.strip()]
            assert len(lines) == 1 and lines[0].startswith("mlcalc: error: "), (argv, r.stderr)
            assert r.stdout == "", (argv, r.stdout)
            assert not out.exists(), argv  # no half-written output
            assert [p.name for p in folder.iterdir() if p.name.startswith(".")] == [], argv  # no temporary left
        elif to_file:
            assert out.exists(), argv
