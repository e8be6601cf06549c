"""The numba engine's kernels. Importing this package sets numba up before any kernel is decorated:
threads, CPU features and the cache folder (mlcalc.config.apply, which must precede numba's import),
then the cache's keys (mlcalc.jitcache)."""

from mlcalc import config, jitcache

config.apply()
jitcache.install()
