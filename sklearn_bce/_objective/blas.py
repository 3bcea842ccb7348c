"""BLAS held at one thread in the threads of a fit's row blocks.

:meth:`~sklearn_bce._objective.InMemoryBackend.parallel` runs the row blocks of
every evaluation on its own threads, each block's products single-threaded:
several threads calling a multi-threaded BLAS at once compete for its threads
(a 200k x 100 fit with OpenBLAS 0.3.31 on 2 cores took 11 times as long). How
the fit's threads are held at one BLAS thread depends on what the loaded BLAS
libraries offer, found once per process by :func:`blas_libraries`:

- a thread-local thread count in every one of them (MKL's
  ``MKL_Set_Num_Threads_Local``): each of the fit's threads sets its own count
  to one, and the calling thread restores its count when the row blocks end.
  The process's count is never changed, and other threads keep their BLAS
  threads;
- otherwise (OpenBLAS, BLIS, ...): BLAS's count is limited to one for the whole
  process while any fit runs its row blocks. Fits running concurrently in
  threads share that limit; the last of them to end restores every library's
  count, and other threads of the process compute on one BLAS thread meanwhile.

OpenBLAS's ``openblas_set_num_threads_local`` (0.3.27 and later) is not a
thread-local count: it sets the process's count (which the pthreads build,
the one NumPy's and SciPy's wheels ship, keeps in a global variable) and
returns the one before, so OpenBLAS is in the second case. Its count is set
through its own ``openblas_set_num_threads``: threadpoolctl 3.8 lets only one
thread of the process (the first to set a limit, until it ends) change a
pthreads OpenBLAS's count and silently ignores the others, which would leave a
fit started in another thread unlimited, or BLAS limited for good by a fit that
ends last in another thread.
"""

from __future__ import annotations

import ctypes
import functools
import threading
from contextlib import contextmanager

__all__ = [
    "LOCAL_SETTERS",
    "BlasLibrary",
    "blas_libraries",
    "single_threaded_blas",
    "threadpool_controller",
]

#: The thread-local thread-count setter of every BLAS that has one, by
#: threadpoolctl's ``internal_api``: a C function ``int f(int n)`` that sets the
#: calling thread's count to ``n`` (0: the process's count again) and returns
#: the calling thread's setting before (0 when it had none). MKL's lower-case
#: ``mkl_set_num_threads_local`` is its Fortran interface (an ``int *``).
LOCAL_SETTERS = {"mkl": "MKL_Set_Num_Threads_Local"}

#: The affixes of OpenBLAS's symbols: none, or those of the scipy-openblas
#: builds of NumPy's and SciPy's wheels (``scipy_openblas_set_num_threads64_``).
OPENBLAS_AFFIXES = [(p, s) for p in ("", "scipy_") for s in ("", "64_", "_64")]


@functools.cache
def threadpool_controller():
    """Return the process's threadpoolctl controller, built once.

    Building one inspects the loaded libraries, which takes milliseconds.

    Returns
    -------
    controller : threadpoolctl.ThreadpoolController
    """
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def c_function(dll, name, argtypes, restype):
    """A function of a shared library with its signature, or None if it lacks it.

    Parameters
    ----------
    dll : ctypes.CDLL or None
        The library.
    name : str
        The symbol.
    argtypes : list of ctypes types
    restype : ctypes type or None

    Returns
    -------
    function : ctypes function or None
    """
    function = getattr(dll, name, None) if dll is not None else None
    if function is not None:
        function.argtypes, function.restype = argtypes, restype
    return function


class BlasLibrary:
    """The thread counts of one loaded BLAS library.

    Parameters
    ----------
    controller : threadpoolctl LibController
        threadpoolctl's controller of the library, which reads its count.

    Attributes
    ----------
    set_process : callable
        ``f(n)`` setting the process's count: OpenBLAS's own
        ``openblas_set_num_threads`` where found (see the module's docstring),
        otherwise threadpoolctl's ``set_num_threads``.
    set_local : callable or None
        The thread-local setter of :data:`LOCAL_SETTERS`, or None.
    """

    def __init__(self, controller):
        self.controller = controller
        try:
            dll = ctypes.CDLL(controller.filepath)
        except OSError:
            dll = None
        self.set_process = controller.set_num_threads
        layer = getattr(controller, "threading_layer", None)
        if controller.internal_api == "openblas" and layer != "openmp":
            for prefix, suffix in OPENBLAS_AFFIXES:
                name = f"{prefix}openblas_set_num_threads{suffix}"
                setter = c_function(dll, name, [ctypes.c_int], None)
                if setter is not None:
                    self.set_process = setter
                    break
        local = LOCAL_SETTERS.get(controller.internal_api)
        self.set_local = local and c_function(dll, local, [ctypes.c_int], ctypes.c_int)

    def threads(self):
        """The library's thread count (the calling thread's where it has one).

        Returns
        -------
        threads : int
        """
        return self.controller.get_num_threads() or 1


@functools.cache
def blas_libraries():
    """The BLAS libraries of the process, found once.

    Returns
    -------
    libraries : tuple of BlasLibrary
        Those that :func:`threadpool_controller` found.
    """
    blas = threadpool_controller().select(user_api="blas")
    return tuple(BlasLibrary(controller) for controller in blas.lib_controllers)


def hold_thread(libraries):
    """Set the calling thread's count to one thread in every library.

    Parameters
    ----------
    libraries : sequence of BlasLibrary
        Libraries that all have a thread-local setter.

    Returns
    -------
    before : list of int
        Each library's setting for the calling thread before (0: none).
    """
    return [library.set_local(1) for library in libraries]


class SharedBlasLimit:
    """BLAS held at one thread for the whole process while any fit needs it.

    BLAS thread pools belong to the whole process, so fits running concurrently
    in threads share one limit: the first to start records every library's
    count and limits it to one, the last to end restores them, and all of them
    use the recorded number of threads for their row blocks.
    """

    lock = threading.Lock()
    users = 0
    saved = ()
    threads = 1


@contextmanager
def shared_blas_limit(libraries):
    """Context holding every library at one thread for the whole process.

    Parameters
    ----------
    libraries : sequence of BlasLibrary

    Yields
    ------
    threads : int
        The most threads a library used before the first of the concurrent
        fits limited them (1 without BLAS libraries).
    """
    with SharedBlasLimit.lock:
        if SharedBlasLimit.users == 0:
            saved = [(library, library.threads()) for library in libraries]
            SharedBlasLimit.saved = saved
            SharedBlasLimit.threads = max((n for _, n in saved), default=1)
            for library in libraries:
                library.set_process(1)
        SharedBlasLimit.users += 1
        threads = SharedBlasLimit.threads
    try:
        yield threads
    finally:
        with SharedBlasLimit.lock:
            SharedBlasLimit.users -= 1
            if SharedBlasLimit.users == 0:
                for library, count in SharedBlasLimit.saved:
                    library.set_process(count)
                SharedBlasLimit.saved = ()


@contextmanager
def single_threaded_blas():
    """Context holding the calling thread and the threads it starts at one BLAS thread.

    Where every BLAS library has a thread-local count (see the module's
    docstring), the calling thread's count is set to one and restored at the
    end, and each thread that runs row blocks must call the yielded ``hold``
    when it starts (as a ``ThreadPoolExecutor``'s ``initializer``); the
    backend's threads end with its executor, so their setting ends with them.
    Otherwise BLAS is limited for the whole process, shared with concurrent
    fits, and ``hold`` is None.

    Yields
    ------
    threads : int
        The threads BLAS was set to use (in this thread, or for the process
        before the first of the concurrent fits limited it).
    hold : callable or None
        Sets the calling thread's BLAS count to one thread.
    """
    libraries = blas_libraries()
    if not all(library.set_local for library in libraries):
        with shared_blas_limit(libraries) as threads:
            yield threads, None
        return
    threads = max((library.threads() for library in libraries), default=1)
    before = hold_thread(libraries)
    try:
        yield threads, functools.partial(hold_thread, libraries)
    finally:
        for library, setting in zip(libraries, before, strict=True):
            library.set_local(setting)
