"""Reference (NumPy) kernels: linalg."""

import numpy as np

__all__: list[str] = []
