"""Which array namespaces and devices this machine can run, for the array API tests.

scikit-learn's array API checks are generated for every namespace and device it
knows (CuPy, torch on CUDA, MPS and XPU, ...); a test is only generated here for
those that are installed and present, so that none of them is skipped. The CUDA
tests of ``test_array_api.py`` are the exception: they are skipped on machines
without a GPU.
"""

import importlib.util
from functools import partial

__all__ = ["TORCH_MISSING", "available", "check_runs_here", "cuda_available"]

#: The reason the tests on torch tensors give when they are skipped: torch comes
#: with its own extra, not with ``test`` (it is the one very large dependency).
TORCH_MISSING = "torch is not installed: pip install '.[test,torch]'"


def _installed(namespace):
    return importlib.util.find_spec(namespace) is not None


def cuda_available():
    """Whether torch sees a CUDA device."""
    if not _installed("torch"):
        return False
    import torch

    return torch.cuda.is_available()


def available(namespace, device=None):
    """Whether ``namespace`` is installed and ``device`` (a name) is present.

    Parameters
    ----------
    namespace : str
        ``"numpy"``, ``"array_api_strict"``, ``"torch"``, ``"cupy"``, ...
    device : str or None, default=None
        A device name as scikit-learn's checks give it.

    Returns
    -------
    available : bool
    """
    if not _installed(namespace):
        return False
    if namespace == "torch" and device not in (None, "cpu"):
        import torch

        backend = {"cuda": torch.cuda, "xpu": getattr(torch, "xpu", None),
                   "mps": getattr(torch.backends, "mps", None)}.get(device)
        return backend is not None and backend.is_available()
    if namespace == "cupy":
        return cuda_available() or _cupy_device()
    if namespace == "dpnp":
        return False  # no SYCL device is expected on these machines
    return True


def _cupy_device():
    import cupy

    try:
        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:  # noqa: BLE001 - any CUDA runtime error means no device
        return False


def check_runs_here(check):
    """Whether an estimator check can run on this machine's namespaces and devices.

    Parameters
    ----------
    check : callable
        A check from scikit-learn's generator (a ``functools.partial`` for the
        array API checks, with their namespace and device as keywords).

    Returns
    -------
    runs : bool
    """
    if not isinstance(check, partial):
        return True
    kw = check.keywords
    spaces = []
    if "array_namespace" in kw:
        spaces.append((kw["array_namespace"], kw.get("device_name", kw.get("device"))))
    for key in ("X_ns_and_device", "other_ns_and_device"):
        if key in kw:
            spaces.append((kw[key].xp, kw[key].device))
    return all(available(ns, dev) for ns, dev in spaces)
