"""Fit Fortran glmnet (``glmnetforpython``) in a process of its own.

``glmnetforpython`` ships the compiled Fortran ``GLMnet.so``, which links to
``libgfortran.so.5``. Where the system has none, SciPy's wheel bundles one (in
``scipy.libs``, under a hashed name): :func:`library_environment` makes a
directory with the name the loader looks for and puts it on
``LD_LIBRARY_PATH``, which the loader reads only when a process starts; hence a
process of its own, run as ``python glmnet_subprocess.py IN.npz OUT.npz``.

The input holds any number of fits, each under a name of its own (the keys
``name/X``, ``name/Y`` and so on): ``X``, ``Y`` (one 0/1 column per binary
problem), ``alpha``, ``lambdas`` (empty for glmnet's own sequence of
``nlambda`` values), ``thresh``, ``penalty_factor``, ``lower`` and ``upper``
(one row per binary problem) and optionally ``sample_weight`` and ``nlambda``.
The output holds, under the same names, ``coef`` of shape ``(n_problems,
n_lambdas, n_features)``, ``intercept`` of shape ``(n_problems, n_lambdas)``
and ``lambdas`` of shape ``(n_problems, n_lambdas)``. With the single argument
``--check`` the process only loads the library.
"""

import glob
import os
import sys

import numpy as np

#: glmnet's smallest fitted probability (its ``pmin``).
PMIN = 1e-15


def library_environment(directory):
    """Environment under which ``GLMnet.so`` finds a ``libgfortran.so.5``.

    Parameters
    ----------
    directory : path-like
        An empty directory that outlives the processes run with the
        environment; it receives the link ``libgfortran.so.5``.

    Returns
    -------
    env : dict
        A copy of ``os.environ`` with ``directory`` and SciPy's ``scipy.libs``
        (for ``libquadmath``) in front of ``LD_LIBRARY_PATH``.
    """
    import scipy

    libs = os.path.join(os.path.dirname(os.path.dirname(scipy.__file__)), "scipy.libs")
    env = dict(os.environ)
    found = sorted(glob.glob(os.path.join(libs, "libgfortran*.so*")))
    link = os.path.join(directory, "libgfortran.so.5")
    if found and not os.path.lexists(link):
        os.symlink(found[0], link)
    path = [str(directory), libs]
    if env.get("LD_LIBRARY_PATH"):
        path.append(env["LD_LIBRARY_PATH"])
    env["LD_LIBRARY_PATH"] = os.pathsep.join(path)
    return env


def fit(data):
    """Fit glmnet's binomial model to each column of ``Y``.

    Parameters
    ----------
    data : mapping
        The arrays of one fit, described in the module's docstring.

    Returns
    -------
    coef : ndarray of shape (n_problems, n_lambdas, n_features)
        The coefficients, at the lambdas in the order given.
    intercept : ndarray of shape (n_problems, n_lambdas)
        The intercepts.
    lambdas : ndarray of shape (n_problems, n_lambdas)
        The lambdas, as glmnet reports them.
    """
    import ctypes

    from glmnetforpython.glmnet import glmnet
    from glmnetforpython.loadGlmLib import loadGlmLib

    # glmnet clips fitted probabilities to [pmin, 1 - pmin], pmin = 1e-5 by
    # default, which biases fits with confident predictions
    loadGlmLib().chg_min_null_prob_(ctypes.byref(ctypes.c_double(PMIN)))

    X = np.asarray(data["X"], dtype=np.float64)
    Y = np.asarray(data["Y"], dtype=np.float64)
    lambdas = np.asarray(data["lambdas"], dtype=np.float64)
    if lambdas.size == 0:  # glmnet's sequence, as it returns it
        n_lambdas = int(data["nlambda"])
        order = np.arange(n_lambdas)
        given = lambdas
    else:
        n_lambdas = lambdas.size
        order = np.argsort(-lambdas, kind="stable")  # glmnet fits them decreasing
        given = lambdas[order]
    options = {
        "family": "binomial",
        "alpha": float(data["alpha"]),
        "lambdau": given,
        "nlambda": n_lambdas,
        "thresh": float(data["thresh"]),
        "standardize": False,
        "maxit": int(1e6),
        "penalty_factor": np.asarray(data["penalty_factor"], dtype=np.float64),
    }
    if "sample_weight" in data:
        options["weights"] = np.asarray(data["sample_weight"], dtype=np.float64)[
            :, None
        ]
    n_problems, n_features = Y.shape[1], X.shape[1]
    coef = np.empty((n_problems, n_lambdas, n_features))
    intercept = np.empty((n_problems, n_lambdas))
    used = np.empty((n_problems, n_lambdas))
    for k in range(n_problems):
        bounds = np.array([data["lower"][k], data["upper"][k]], dtype=np.float64)
        result = glmnet(x=X.copy(), y=Y[:, k].copy(), cl=bounds, **options)
        if result["beta"].shape[1] != n_lambdas:
            raise RuntimeError("glmnet stopped its path early")
        coef[k, order] = np.asarray(result["beta"]).T
        intercept[k, order] = np.ravel(result["a0"])
        used[k, order] = np.ravel(result["lambdau"])
    return coef, intercept, used


def main(argv):
    """Run :func:`fit` on each fit in file ``argv[0]``, writing ``argv[1]``.

    Parameters
    ----------
    argv : list of str
        The input and output ``.npz`` paths, or ``["--check"]`` to load the
        library and exit.
    """
    if argv == ["--check"]:
        from glmnetforpython.loadGlmLib import loadGlmLib

        if loadGlmLib() is None:  # it prints why
            sys.exit(1)
        return
    with np.load(argv[0]) as data:
        fits = {}
        for key in data.files:
            name, field = key.rsplit("/", 1)
            fits.setdefault(name, {})[field] = data[key]
    out = {}
    for name, arrays in fits.items():
        fields = zip(("coef", "intercept", "lambdas"), fit(arrays), strict=True)
        for field, value in fields:
            out[f"{name}/{field}"] = value
    np.savez(argv[1], **out)


if __name__ == "__main__":
    main(sys.argv[1:])
