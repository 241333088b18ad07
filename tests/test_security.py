"""Security (issue 9): what BI can read, what it cannot, and what never leaves the warehouse.

- Tag values that look like e-mail addresses or secrets are masked in every mart (rules: seed
  tag_value_masking_rules, applied in int_tag_texts_masked); raw keeps them, and raw is not
  published. Tested end to end with a landing file carrying such tags: no published table holds
  any of them, the masked values' cost is exact, the working warehouse's raw rows still hold them.
- The run log and the command's output hold no secret from the environment.
- Landing paths cannot escape the landing folder: `..` and links out of it are refused.
- The published file, opened read-only, refuses writes (also tests/test_publish.py).
"""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from orchestration.pipeline.load import LandingPathError, landing_files
from tests.demo import copy_demo, redeliver_aws_export, tbm

PROJECT = Path(__file__).resolve().parents[1]
SEED = PROJECT / "seeds" / "security" / "tag_value_masking_rules.csv"
UNIT_TESTS = PROJECT / "models" / "intermediate" / "security" / "_int_security__unit_tests.yml"
EMAIL = "jane.doe@example.com"
TOKEN = "ghp_" + "Zq8vK2mP4xR7tL1nB6cW9yH3jD5fG0sA2eU8"  # GitHub token format, not a real one
RANDOM = "pR7xQ2mZ9vL4kT8wN3bY6cJ1hF5dG0sAeU"  # 34 random-looking characters
PASSWORD = "correct horse battery staple"
ENV_SECRET = "tbm-test-env-secret-9f3c1e7a"
SECRETS = (EMAIL, TOKEN, RANDOM, PASSWORD)


def test_the_unit_test_masks_with_the_seed_as_it_is():
    """The dbt unit test of int_tag_texts_masked gives the rules inline: they must be the seed."""
    tests = yaml.safe_load(UNIT_TESTS.read_text())["unit_tests"]
    given = [
        item["rows"]
        for test in tests
        for item in test["given"]
        if item["input"] == "ref('tag_value_masking_rules')"
    ]
    assert given
    seed = list(csv.reader(SEED.read_text().splitlines()))
    for rows in given:
        assert list(csv.reader(rows.strip().splitlines())) == seed


def test_a_dotdot_kind_or_a_linked_folder_out_of_landing_is_refused(tmp_path):
    landing, outside = tmp_path / "landing", tmp_path / "outside"
    (landing / "billing").mkdir(parents=True)
    outside.mkdir()
    (outside / "stolen.csv").write_text("BilledCost\n1\n")
    with pytest.raises(LandingPathError, match="outside the landing folder"):
        landing_files(landing, "../outside")
    (landing / "billing" / "linked").symlink_to(outside, target_is_directory=True)
    with pytest.raises(LandingPathError, match="outside the landing folder"):
        landing_files(landing, "billing")
    (landing / "invoices").symlink_to(outside, target_is_directory=True)
    with pytest.raises(LandingPathError, match="outside the landing folder"):
        landing_files(landing, "invoices")


def add_secret_tags(rows: list[dict]) -> dict[str, Decimal]:
    """Add e-mail, token, random and password tags to some usage rows of an export (CSV dicts,
    changed in place); the BilledCost of the rows carrying each, summed from the file."""
    added = {"owner": EMAIL, "ci": TOKEN, "note": RANDOM, "db_password": PASSWORD}
    totals = dict.fromkeys(added, Decimal(0))
    for i, row in enumerate(rows):
        if row["ChargeCategory"] != "Usage" or not row["Tags"]:
            continue
        key = list(added)[i % 5] if i % 5 < 4 else None
        if key is None:
            continue
        tags = json.loads(row["Tags"])
        tags[key] = added[key]
        row["Tags"] = json.dumps(tags)
        totals[key] += Decimal(row["BilledCost"])
    return totals


@pytest.fixture(scope="module")
def secret_run(demo_template, tmp_path_factory) -> dict:
    demo = copy_demo(demo_template, tmp_path_factory.mktemp("security"))
    landing, warehouse = demo["landing"], demo["warehouse"]
    env = {"AWS_SECRET_ACCESS_KEY": ENV_SECRET, "DBT_ENV_SECRET_TOKEN": ENV_SECRET}
    totals: dict[str, Decimal] = {}
    redeliver_aws_export(
        landing, "2026-09", "tagged", lambda rows: totals.update(add_secret_tags(rows))
    )
    run = tbm("run", "--landing", str(landing), "--warehouse", str(warehouse), env=env)
    assert run.returncode == 0, run.stdout + run.stderr
    return {"warehouse": warehouse, "totals": totals, "run": run}


@pytest.mark.e2e
def test_no_published_table_holds_a_secret_tag_value(secret_run, open_warehouse):
    con = open_warehouse(secret_run["warehouse"].with_name("tbm.published.duckdb"))
    columns = con.execute(
        "select table_schema, table_name, column_name from information_schema.columns "
        "where data_type = 'VARCHAR'"
    ).fetchall()
    assert len(columns) > 50
    found = []
    for schema, table, column in columns:
        # identifiers come from the file's own catalog; the secrets are parameters
        hits = con.execute(
            f'select count(*) from "{schema}"."{table}" where '
            + " or ".join(f'contains("{column}", ?)' for _ in SECRETS),
            list(SECRETS),
        ).fetchone()[0]
        if hits:
            found.append((schema, table, column, hits))
    assert found == []


@pytest.mark.e2e
def test_masked_tag_values_keep_their_exact_cost_in_the_mart(secret_run, open_warehouse):
    con = open_warehouse(secret_run["warehouse"].with_name("tbm.published.duckdb"))
    rows = con.execute(
        "select tag_key, tag_value, masking_rule_id, sum(billed_cost_billing) "
        "from marts.fct_cost_by_tag_monthly where is_tag_value_masked "
        "and billing_month = date '2026-09-01' and billing_currency = 'USD' "
        "group by all order by all"
    ).fetchall()
    totals = secret_run["totals"]
    assert rows == [
        ("ci", "[masked: secret]", "github_token", totals["ci"]),
        ("db_password", "[masked: secret]", "secret_key_name", totals["db_password"]),
        ("note", "[masked: secret]", "high_entropy_string", totals["note"]),
        ("owner", "[masked: email]", "email_address", totals["owner"]),
    ]
    assert all(total > 0 for total in totals.values())
    # nothing else was masked: the generator's tags are ordinary
    assert (
        con.execute(
            "select count(*) from marts.fct_cost_by_tag_monthly where is_tag_value_masked "
            "and tag_key not in ('ci', 'db_password', 'note', 'owner')"
        ).fetchone()[0]
        == 0
    )


@pytest.mark.e2e
def test_raw_keeps_the_delivered_values(secret_run, open_warehouse):
    con = open_warehouse(secret_run["warehouse"])
    for secret in SECRETS:
        assert con.execute(
            "select count(*) from raw.billing where contains(Tags, ?)", [secret]
        ).fetchone()[0]


@pytest.mark.e2e
def test_neither_the_run_log_nor_the_output_holds_an_environment_secret(secret_run):
    logs = list((secret_run["warehouse"].parent / "logs").glob("run-*.log"))
    assert logs and all(log.stat().st_size > 0 for log in logs)
    texts = [log.read_text(errors="replace") for log in logs]
    texts += [secret_run["run"].stdout, secret_run["run"].stderr]
    assert not [text for text in texts if ENV_SECRET in text]


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("TBM_REPORTING_CURRENCY", "USD' as x; drop table marts.fct_allocated_costs; --"),
        ("TBM_REPORTING_CURRENCY", "US"),
        ("TBM_DUCKDB_MEMORY_LIMIT", "4GB'; attach 'x.db"),
        ("TBM_MAX_UNALLOCATED_SHARE", "0.05) or (1=1"),
        ("TBM_FRESHNESS_AS_OF", "now'); drop schema raw cascade; --"),
    ],
)
def test_settings_that_reach_sql_text_are_refused_unless_they_parse(monkeypatch, variable, value):
    """Settings dbt sees as vars are validated first: a value that is not the data it stands for
    (a currency code, a size, a number, a timestamp) stops the run naming the variable."""
    from orchestration.settings import Settings

    monkeypatch.setenv(variable, value)
    with pytest.raises(ValueError, match=variable):
        Settings.from_env()


def test_valid_settings_still_parse(monkeypatch):
    from orchestration.settings import Settings

    monkeypatch.setenv("TBM_REPORTING_CURRENCY", "eur")
    monkeypatch.setenv("TBM_DUCKDB_MEMORY_LIMIT", "512MiB")
    settings = Settings.from_env()
    assert (settings.reporting_currency, settings.memory_limit) == ("EUR", "512MiB")
