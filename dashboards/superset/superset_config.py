"""Superset's configuration for `tbm dashboards serve` (SUPERSET_CONFIG_PATH points here).

Everything that belongs to one warehouse lives in its superset folder, named by
TBM_SUPERSET_HOME (`<warehouse folder>/superset/`): the metadata database and the secret key.
The published DuckDB file is opened read-only by every query on a new connection (Superset's
engines use no pool), and query results are not cached, so a new publication (the published
file is replaced by a rename) shows at the next query without a restart.
"""

import os
from pathlib import Path

_home = Path(os.environ["TBM_SUPERSET_HOME"])

SQLALCHEMY_DATABASE_URI = f"sqlite:///{_home / 'superset.db'}"
SECRET_KEY = (_home / "secret_key").read_text().strip()

# no result cache: every chart query reads the current publication
DATA_CACHE_CONFIG = {"CACHE_TYPE": "NullCache"}
CACHE_CONFIG = {"CACHE_TYPE": "NullCache"}

# local server for one analyst: no example data, no telemetry, no talisman redirects
SUPERSET_LOAD_EXAMPLES = False
TALISMAN_ENABLED = False
CONTENT_SECURITY_POLICY_WARNING = False  # served on 127.0.0.1 only
SQLLAB_CTAS_NO_LIMIT = True
ROW_LIMIT = 50000

# the dashboards' "current month" and "latest day" filters are subqueries on the marts
# every chart of a dashboard loads at once, not only those scrolled into view
FEATURE_FLAGS = {"ALLOW_ADHOC_SUBQUERY": True, "DASHBOARD_VIRTUALIZATION": False}
