"""The reference kernels: plain NumPy/LAPACK, the readable definition of every op and the test oracle.

One module per area; every public name is re-exported here, so an op's reference is
`mlcalc.kernels.reference.<op>`.
"""

from mlcalc.kernels.reference.core import *  # noqa: F401,F403
from mlcalc.kernels.reference.linalg import *  # noqa: F401,F403
from mlcalc.kernels.reference.nn import *  # noqa: F401,F403
from mlcalc.kernels.reference.systems import *  # noqa: F401,F403
