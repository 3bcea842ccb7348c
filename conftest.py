"""Test-session set-up that must happen before scipy is imported.

scikit-learn's estimator checks include ``check_array_api_input`` (array API dispatch
enabled, NumPy inputs); it only runs when scipy's array API support is switched on.
"""

import os

os.environ.setdefault("SCIPY_ARRAY_API", "1")
