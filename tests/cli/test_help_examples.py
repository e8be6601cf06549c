"""Every example in a command's --help runs, and says what it claims (`→ 32`).

The examples are what a new user copies first; each one is run here in a folder holding the files it
names (made up with the shapes the example needs), through the same in-process entry point as the other
CLI tests. Pipes (`a | b`) and `&&` chains run stage by stage; `warmup` and `bench` are left to their
own tests (they compile or time everything).
"""
import json
import re
import shlex
import shutil
from pathlib import Path

import numpy as np
import pytest

from conftest import run_cli

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
SKIPPED_COMMANDS = {"warmup", "bench"}


def _examples() -> list[str]:
    from mlcalc.cli.app import register_commands
    from mlcalc.cli.base import EPILOG, app

    register_commands(["--help"])
    found = []
    for epilog in [EPILOG] + [command.epilog for command in app.registered_commands]:  # mlcalc --help's too
        text = (epilog or "").replace("Examples:", "").replace("Example:", "")
        for part in text.split("·"):
            line = " ".join(part.split())
            if line.startswith("mlcalc ") and line.split()[1] not in SKIPPED_COMMANDS:
                found.append(line)
    return found


EXAMPLES = _examples()


def _make_files(folder: Path) -> None:
    """The operands the examples name, with shapes that fit each example."""
    rng = np.random.default_rng(0)
    shutil.copytree(SAMPLES, folder / "samples")

    def csv(name, a, fmt="%.17g"):
        np.savetxt(folder / name, a, delimiter=",", fmt=fmt)

    for name in "ABC":
        np.save(folder / f"{name}.npy", rng.standard_normal((3, 3)) + 3 * np.eye(3))
    for name in ("U.csv", "V.csv"):
        csv(name, rng.standard_normal((4, 3)))
    for name, shape in {"data.csv": (5, 3), "points.csv": (5, 3), "centers.csv": (2, 3), "x.csv": (3, 4),
                        "aug.csv": (3, 4), "image.csv": (6, 6), "logits.csv": (6, 3), "X.csv": (6, 4),
                        "W.csv": (3, 4)}.items():
        csv(name, rng.standard_normal(shape))
    csv("square.csv", rng.standard_normal((3, 3)))
    csv("A.csv", rng.standard_normal((3, 3)) + 3 * np.eye(3))
    csv("b.csv", rng.standard_normal(3))
    csv("labels.csv", rng.integers(0, 3, 6), fmt="%d")
    csv("ids.csv", [1, 0, 2, 2], fmt="%d")
    for name, shape in {"X.npy": (8, 5), "W.npy": (4, 5), "b.npy": (4,), "dA.npy": (8, 4), "Q.npy": (5, 4),
                        "K.npy": (5, 4), "V.npy": (5, 4), "x.npy": (2, 7, 7), "k.npy": (3, 2, 3, 3),
                        "E.npy": (3, 4)}.items():
        np.save(folder / name, rng.standard_normal(shape))
    features = rng.standard_normal((20, 3))
    np.save(folder / "data.npy", np.c_[features, features @ [1.0, 2.0, 3.0] + 0.1])


def _run_line(line: str) -> str:
    """Run `a | b`, `a && b` and `a > file` the way a shell would; returns the last stage's stdout."""
    out = ""
    for chain in line.split("&&"):
        stdin = b""
        for stage in chain.split("|"):
            words = shlex.split(stage)
            target = None
            if ">" in words:
                target = words[words.index(">") + 1]
                words = words[:words.index(">")]
            if words[0] == "jq":  # the example's own filter, applied here without jq
                key = words[1].lstrip(".")
                out = json.dumps(json.loads(stdin)[key])
                continue
            assert words[0] == "mlcalc", stage
            r = run_cli(*words[1:], stdin=stdin)
            assert r.code == 0, f"{stage!r}: exit {r.code}: {r.stderr}"
            stdin, out = r.stdout_bytes, r.stdout
            if target:
                Path(target).write_bytes(r.stdout_bytes)
    return out


@pytest.fixture(scope="module")
def example_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("help_examples")
    _make_files(folder)
    return folder


def test_the_examples_were_found():
    assert len(EXAMPLES) > 60
    assert any("→" in e for e in EXAMPLES)


@pytest.mark.parametrize("example", EXAMPLES)
def test_help_example_runs_and_gives_what_it_says(example, example_folder, monkeypatch, tmp_path):
    # each example in its own copy of the files: forward's example writes A.npy (8×4), which matmul's and inv's
    # examples read as the 3×3 _make_files wrote, so that in another test order they failed
    shutil.copytree(example_folder, tmp_path, dirs_exist_ok=True)
    monkeypatch.chdir(tmp_path)
    line, _, claim = example.partition("→")
    line = re.sub(r" \([^\"]*\)$", "", line.strip())  # a trailing "(two right-hand sides)" is a comment
    claim = re.sub(r" \(.*\)$", "", claim.strip())
    if not claim:
        _run_line(line)
        return
    got = json.loads(_run_line(line + " -f json"))
    if claim == "±i":  # eig's complex values, {"re": .., "im": ..} in JSON
        assert sorted((v["re"], v["im"]) for v in got["values"]) == [(0, -1), (0, 1)], got
        return
    assert np.allclose(got, json.loads(claim)), (example, got)
