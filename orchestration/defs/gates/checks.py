"""Great Expectations suites as Dagster asset checks, one per suite in `expectations/`.

Each check is attached to the asset that produces its suite's table and validates that table (see
orchestration/pipeline/gates.py). A failed suite with `"blocking": true` returns severity ERROR,
which stops the assets downstream in the same run, publication among them, so the BI-facing file
keeps the previous good figures. A suite with `"blocking": false` warns: severity WARN, and the run
publishes with the warning listed in the published quality.gate_results.

Every check is declared `blocking=True` to Dagster, warnings included: that makes publication wait
for all of them (Dagster only stops downstream assets on a failed check of severity ERROR), so the
published gate results are complete.

Each check also appends its row results to audit.gate_results (marts.fct_data_quality) and renders
its validation result into the GX Data Docs beside the warehouse (gx_docs/index.html).
"""

from typing import TYPE_CHECKING

import dagster as dg
from dagster import AssetCheckExecutionContext

from orchestration.pipeline.gates import (
    CheckResult,
    Suite,
    build_data_docs,
    load_suites,
    record_results,
    validate_suite,
)
from orchestration.resources import SettingsResource
from orchestration.warehouse import warehouse

if TYPE_CHECKING:  # pandas loads with Great Expectations (gates.warm_up), not with the definitions
    import pandas as pd


def suite_asset_key(suite: Suite) -> dg.AssetKey:
    return dg.AssetKey(suite.table.split("."))


def suite_frame(suite: Suite, con, run_id: str) -> "pd.DataFrame":
    if suite.rows_of_the_run:
        return con.execute(
            "select * from query_table(?) where run_id = ?", [suite.table, run_id]
        ).df()
    return con.execute("select * from query_table(?)", [suite.table]).df()


def results_metadata(results: list[CheckResult]) -> dict:
    return {
        "results": dg.MetadataValue.json(
            [{"check": r.check, "status": r.status, "failures": r.failures} for r in results]
        ),
        # in text order: the quality tables come in no fixed row order (nor the same on each engine)
        "failures": "\n".join(sorted(f for r in results for f in r.failures)) or "none",
    }


def _make_check(suite: Suite) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=suite_asset_key(suite),
        name=f"gx_{suite.name}",
        description=(
            f"{suite.description} (GX suite expectations/{suite.name}.json; "
            f"{'blocks publication' if suite.blocking else 'warns'} when it fails)"
        ),
        blocking=True,
    )
    def _check(
        context: AssetCheckExecutionContext, settings: SettingsResource
    ) -> dg.AssetCheckResult:
        settings = settings.settings
        run_id = context.run.run_id
        with warehouse(settings) as con:
            frame = suite_frame(suite, con, run_id)
            validation = validate_suite(suite, frame, settings.thresholds)
            recorded = record_results(con, run_id, validation.rows)
        for failure in (f for r in validation.results for f in r.failures):
            context.log.warning(f"gate {suite.name}: {failure}")
        docs = {}
        try:
            index = build_data_docs(settings.gx_docs, validation, run_id)
            docs = {"data_docs": dg.MetadataValue.path(str(index))}
        except Exception as exc:  # the docs are a report: their failure never decides a gate
            context.log.warning(f"gate {suite.name}: GX Data Docs not built: {exc}")
        return dg.AssetCheckResult(
            passed=validation.passed,
            severity=dg.AssetCheckSeverity.ERROR if suite.blocking else dg.AssetCheckSeverity.WARN,
            metadata={
                **results_metadata(validation.results),
                "rows_validated": len(frame),
                "results_recorded": recorded,
                **docs,
            },
        )

    return _check


GATE_CHECKS = [_make_check(suite) for suite in load_suites().values()]
