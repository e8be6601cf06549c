"""What a user's shell does to the files: -o into the descriptors the shell set up, paths that cannot be
reached, inputs replaced while a command reads them by blocks, and a cache folder that cannot be written."""

import os
import subprocess
import sys

import numpy as np
import pytest

from conftest import assert_one_error_line, run_cli

MLCALC = f"{sys.executable} -m mlcalc"


def shell(script: str, cwd) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-c", script], cwd=cwd, capture_output=True, text=True, timeout=120)


def test_output_to_dev_stdout_shares_the_shells_offset(tmp_path):
    # reopened "ab", the result started at the file's end: `echo footer` then wrote over it
    r = shell(f'{{ echo header; {MLCALC} scale "1 2; 3 4" --by 2 -o /dev/stdout; echo footer; }} > g.txt', tmp_path)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "g.txt").read_text() == "header\n2,4\n6,8\nfooter\n"


def test_output_to_dev_stdout_still_appends_under_a_double_redirection(tmp_path):
    (tmp_path / "log.txt").write_text("before\n")
    r = shell(f'{MLCALC} scale "1 2" --by 2 -o /dev/stdout >> log.txt', tmp_path)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "log.txt").read_text() == "before\n2\n4\n"


def test_output_to_dev_stdout_whose_reader_left_ends_quietly(tmp_path):
    r = shell(f'{MLCALC} gen randn 1000x1000 --seed 1 -o /dev/stdout | head -c 20 > /dev/null; '
              'echo "status=${PIPESTATUS[0]}"', tmp_path)
    assert "status=0" in r.stdout and "error" not in r.stderr, r.stderr


def test_output_to_a_descriptor_open_for_reading_appends_to_its_file(tmp_path):
    (tmp_path / "f.txt").write_text("x\n")
    r = shell(f'{MLCALC} scale "1 2" --by 2 -o /dev/fd/3 3< f.txt', tmp_path)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "f.txt").read_text() == "x\n2\n4\n"


def test_output_to_a_descriptor_that_is_not_open_is_one_error_line(tmp_path):
    r = shell(f'{MLCALC} scale "1 2" --by 2 -o /dev/fd/7', tmp_path)
    assert r.returncode == 1 and r.stderr.count("\n") == 1 and r.stderr.startswith("mlcalc: error: cannot write /dev/fd/7")


def test_paths_that_cannot_be_reached_say_why(tmp_path):
    os.symlink("l2", tmp_path / "l1")
    os.symlink("l1", tmp_path / "l2")
    loop = str(tmp_path / "l1")
    # -o was "internal error: OSError: [Errno 40]"; as an operand, "no such file"
    assert_one_error_line(run_cli("scale", "1 2", "--by", "2", "-o", loop), f"cannot write {loop}: ")
    assert_one_error_line(run_cli("det", loop), f"{loop}: too many levels of symbolic links")
    assert_one_error_line(run_cli("forward", "1 2", "-W", loop), "(W): too many levels of symbolic links")
    long_name = str(tmp_path / ("x" * 300 + ".csv"))
    assert_one_error_line(run_cli("scale", "1 2", "--by", "2", "-o", long_name), "cannot write")


def test_blocks_read_the_file_their_header_described_even_if_it_is_replaced(tmp_path):
    from mlcalc.blocks import storage
    from mlcalc.errors import InputError

    path = tmp_path / "b.npy"
    np.save(path, np.arange(12.0).reshape(4, 3))
    blocks = storage.NpyBlocks.open(str(path))
    np.save(tmp_path / "new.npy", np.ones((2, 2)))
    os.replace(tmp_path / "new.npy", path)  # what `-o b.npy` of another command does meanwhile
    np.testing.assert_array_equal(blocks[2:4, :], [[6, 7, 8], [9, 10, 11]])  # reopened, it read the new file
    # a file cut short after its header was read: an error, not the rest of the block left as garbage
    np.save(path, np.arange(12.0).reshape(4, 3))
    blocks = storage.NpyBlocks.open(str(path))
    os.truncate(path, os.path.getsize(path) - 8)
    with pytest.raises(InputError, match="ends before the data its header describes"):
        blocks[3:4, :]


@pytest.mark.parametrize("kind", ["a regular file", "a regular file, no user cache folder", "empty"])
def test_an_unusable_numba_cache_dir_gives_the_users_cache_folder(tmp_path, kind):
    # numba, finding NUMBA_CACHE_DIR unusable, wrote its cache into the installed package, without a word
    given = tmp_path / "afile"
    given.write_text("")
    value = "" if kind == "empty" else str(given)
    env = dict(os.environ, NUMBA_CACHE_DIR=value, XDG_CACHE_HOME=str(tmp_path / "xdg"))
    if "no user cache" in kind:
        env.update(XDG_CACHE_HOME=str(given), HOME=str(given))  # a file: no folder can be made there
    code = ("import os; from mlcalc import config; config.apply(); print(os.environ['NUMBA_CACHE_DIR']); "
            "print(config.cache_is_temporary); print(config.temporary_cache_reason); print(config.cache_redirected)")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    folder, temporary, reason, redirected = out.stdout.splitlines()
    users = str(tmp_path / "xdg" / "mlcalc" / "numba")
    if kind == "a regular file":  # kept where later runs find it (a folder for one run compiled everything again)
        assert folder == users and temporary == "False"
        assert redirected == f"NUMBA_CACHE_DIR ({value}) cannot be written: compiled kernels are kept in {users}"
    elif "no user cache" in kind:
        assert folder != value and temporary == "True" and reason == f"NUMBA_CACHE_DIR ({value}) cannot be written"
    else:  # numba takes an empty one as unset: the user's cache folder, as without it
        assert folder == users and temporary == "False" and redirected == "None"


@pytest.mark.parametrize("quiet", [False, True])
def test_quiet_silences_the_prompt_for_standard_input_at_a_terminal(quiet):
    import pty
    master, slave = pty.openpty()
    args = [sys.executable, "-m", "mlcalc", *(["-q"] if quiet else []), "det", "-"]
    p = subprocess.Popen(args, stdin=slave, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    os.close(slave)
    try:
        os.write(master, b"5\n\x04")  # a row, then Ctrl-D at the start of a line: the end of the input
        out, err = p.communicate(timeout=120)
    finally:
        os.close(master)
    assert out == b"5\n"
    assert (b"reading the operand '-' from the terminal" in err) != quiet, err


def test_a_non_finite_alpha_is_a_usage_error_as_for_the_other_options():
    r = run_cli("activate", "1 -2", "--fn", "leaky-relu", "--alpha", "nan")
    assert r.code == 2 and "must be a finite number" in r.stderr


def test_output_over_the_archive_an_operand_comes_from_is_refused(tmp_path):
    # the new archive held the result alone: b, beside the W that was scaled, was lost without a word
    archive = tmp_path / "m.npz"
    np.savez(archive, W=np.eye(2), b=np.ones(2))
    r = run_cli("scale", f"{archive}:W", "--by", "3", "-o", str(archive))
    assert_one_error_line(r, f"-o {archive} is the archive {archive}:W is read from")
    with np.load(archive) as z:
        assert sorted(z.files) == ["W", "b"]
    assert run_cli("scale", f"{archive}:W", "--by", "3", "-o", str(tmp_path / "other.npz")).code == 0
