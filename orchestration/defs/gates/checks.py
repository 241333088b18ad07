"""Great Expectations suites as blocking Dagster asset checks.

One asset check per suite in `expectations/`, attached to the asset that produces the suite's table.
A failed blocking check stops the assets downstream of it in the same run, publication among them,
so the BI-facing file keeps the previous good figures.
"""

import dagster as dg
import pandas as pd
from dagster import AssetCheckExecutionContext

from orchestration.lib.gates import CheckResult, Suite, load_suites, validate
from orchestration.lib.settings import Settings
from orchestration.lib.warehouse import warehouse

# Bounded raw frames that are not dbt models: suite table -> (asset key, query).
RAW_FRAMES: dict[str, tuple[list[str], str]] = {
    "raw_billing_files": (
        ["raw", "load_log"],
        "select path, status, focus_version, "
        "rows_read - rows_loaded - rows_quarantined as unaccounted_rows "
        "from raw.load_log where extract_kind = 'billing' and run_id = ? order by path",
    ),
}


def suite_asset_key(suite: Suite) -> dg.AssetKey:
    if suite.table in RAW_FRAMES:
        return dg.AssetKey(RAW_FRAMES[suite.table][0])
    return dg.AssetKey(suite.table.split("."))


def suite_frame(suite: Suite, con, run_id: str) -> pd.DataFrame:
    if suite.table in RAW_FRAMES:
        return con.execute(RAW_FRAMES[suite.table][1], [run_id]).df()
    return con.execute("select * from query_table(?)", [suite.table]).df()


def results_metadata(results: list[CheckResult]) -> dict:
    return {
        "results": dg.MetadataValue.json(
            [{"check": r.check, "status": r.status, "failures": r.failures} for r in results]
        ),
        "failures": "\n".join(f for r in results for f in r.failures) or "none",
    }


def _make_check(suite: Suite) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=suite_asset_key(suite),
        name=f"gx_{suite.name}",
        description=f"{suite.description} (GX suite expectations/{suite.name}.json)",
        blocking=suite.blocking,
    )
    def _check(context: AssetCheckExecutionContext) -> dg.AssetCheckResult:
        settings = Settings.from_env()
        with warehouse(settings) as con:
            frame = suite_frame(suite, con, context.run.run_id)
        results = validate(suite, frame, settings.thresholds)
        for failure in (f for r in results for f in r.failures):
            context.log.warning(f"gate {suite.name}: {failure}")
        return dg.AssetCheckResult(
            passed=all(r.passed for r in results),
            severity=dg.AssetCheckSeverity.ERROR if suite.blocking else dg.AssetCheckSeverity.WARN,
            metadata={**results_metadata(results), "rows_validated": len(frame)},
        )

    return _check


GATE_CHECKS = [_make_check(suite) for suite in load_suites().values()]
