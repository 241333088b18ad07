"""The providers' real exports (tests/fixtures/providers, README there) as a landing folder, the
organisation folder that maps their accounts, and their `tbm run`, which the test modules of real
exports share (`real_exports_template` in conftest.py: built once per test command)."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

from tests.demo import PROJECT, tbm

FIXTURES = Path(__file__).parent / "fixtures" / "providers"
PROVIDERS = ("aws", "microsoft", "google", "oracle")

# sub account -> catalog service of the demo company (orgs/demo/services.csv)
ACCOUNT_SERVICES = {
    "444455556666": "checkout",
    "/subscriptions/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0": "search",
    "retail-data-prod": "data-platform",
    "ocid1.compartment.oc1..aaaaaaaaexamplemobile": "mobile-api",
}


def provider_landing(root: Path, *providers: str) -> Path:
    """A landing folder under ROOT with the exports of PROVIDERS; its path."""
    landing = root / "landing"
    for provider in providers:
        shutil.copytree(FIXTURES / provider, landing / "billing" / provider)
    return landing


def org_folder(root: Path) -> Path:
    """The demo company's folder, plus an account rule for each fixture's sub account."""
    org = root / "org"
    shutil.copytree(PROJECT / "orgs" / "demo", org)
    rules = org / "mapping_rules.csv"
    with rules.open(newline="") as handle:
        header = next(csv.reader(handle))
    with rules.open("a", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, lineterminator="\n")
        for number, (account, service) in enumerate(ACCOUNT_SERVICES.items()):
            writer.writerow(
                {
                    "rule_id": f"acct-fixture-{number}",
                    "rule_type": "account",
                    "priority": "10",
                    "match_key": "sub_account_id",
                    "match_value": account,
                    "service_id": service,
                    "valid_from": "2020-01-01",
                    "description": "provider export fixture",
                }
            )
    return org


def real_exports_paths(root: Path) -> dict:
    return {
        "root": root,
        "landing": root / "landing",
        "org": root / "org",
        "warehouse": root / "wh" / "tbm.duckdb",
    }


def build_real_exports(root: Path) -> dict:
    """`tbm run` on every provider's export under ROOT; the paths and the run."""
    paths = real_exports_paths(root)
    provider_landing(root, *PROVIDERS)
    org_folder(root)
    run = tbm(
        *("run", "--landing", str(paths["landing"]), "--warehouse", str(paths["warehouse"])),
        *("--org", str(paths["org"])),
    )
    return {**paths, "run": run}
