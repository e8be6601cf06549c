"""Operands larger than memory: NPY files worked through by blocks, on one machine (local.py) or
on a Dask cluster (cluster.py). storage.py reads and writes blocks of NPY files by path."""
