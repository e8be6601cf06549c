"""Reference (NumPy) kernels: nn."""

import numpy as np

__all__: list[str] = []
