#!/usr/bin/env bash
# Run every benchmark in one go on a quiet machine and keep the outputs in bench/results/.
#   bash bench/run_all.sh [--quick]
# OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE (set on some machines for old OpenBLAS builds) force a slower
# kernel on current NumPy: they are unset here so that OpenBLAS runs its own choice.
set -u
cd "$(dirname "$0")/.."
mkdir -p bench/results
quick=${1:-}
# at least this many seconds of interleaved rounds per case (bench/common.py): on a shared host that
# slows a process down for seconds at a time, the best of a few rounds is often a best of slow ones
if [ -z "$quick" ]; then export MLCALC_BENCH_MIN_TIME=${MLCALC_BENCH_MIN_TIME:-5}; fi
for b in startup bench_gemm bench_memory bench_csv bench_linalg bench_eig bench_solve bench_nn bench_train bench_outofcore; do
  [ -f "bench/$b.py" ] || continue
  args=$quick
  [ "$b" = startup ] && args=""
  echo "== $b $args"
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE PYTHONWARNINGS=ignore python "bench/$b.py" $args 2>&1 | tee "bench/results/$b.txt"
done
