"""The objective of every fit, over interchangeable data backends.

* :class:`DataBackend` (``backend.py``): the contract a data backend fulfils;
* :class:`InMemoryBackend` (``memory.py``): NumPy / SciPy data, threaded row blocks
  running the kernels of ``kernels.py`` and ``moments.py``, with BLAS held at one
  thread in those threads by ``blas.py``;
* :class:`ArrayAPIBackend` (``array_api.py``): arrays of any array API namespace
  (torch, CuPy, array-api-strict), evaluated on their device with the
  namespace's operations (arrays in host memory go to the in-memory backend as
  NumPy views, see ``sklearn_bce._array_api``);
* :class:`Penalty` (``penalty.py``): the elastic net on the scale of ``C``;
* :class:`Objective` (``objective.py``): one backend, one penalty and the
  preconditioning change of variables; what the solvers minimise.
"""

from .array_api import ArrayAPIBackend
from .backend import DataBackend
from .memory import InMemoryBackend
from .objective import Objective
from .penalty import Penalty

__all__ = [
    "ArrayAPIBackend", "DataBackend", "InMemoryBackend", "Objective", "Penalty",
]
