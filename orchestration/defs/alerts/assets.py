"""Alert delivery after publication: an asset downstream of the published file, so it runs only
when the run published. It never fails the run: a receiver that is down is logged and retried at
the next run (orchestration/alerts/notify.py)."""

import dagster as dg
from dagster import AssetExecutionContext

from orchestration.alerts.notify import DeliveryReport, deliver_after_publication, read_routes
from orchestration.defs.publish.assets import published_bi
from orchestration.resources import SettingsResource
from orchestration.settings import OperationSettings
from orchestration.warehouse import warehouse

ALERTS_KEY = ("alerts", "delivered")


@dg.asset(key=list(ALERTS_KEY), group_name="published", deps=[published_bi], kinds={"python"})
def alerts_delivered(
    context: AssetExecutionContext, settings: SettingsResource
) -> dg.MaterializeResult:
    """The published alerts' new states, sent to the organisation's routes (webhook, e-mail) and
    logged in audit.alert_deliveries."""
    try:
        op, routes = OperationSettings.from_env(), read_routes(settings.settings.org)
        with warehouse(settings.settings) as con:
            report = deliver_after_publication(con, context.run_id, op, routes)
    # delivery must never fail or undo a publication: any error is reported, not raised
    except Exception as exc:
        context.log.warning(f"alert delivery failed: {type(exc).__name__}: {exc}")
        report = DeliveryReport(lines=[f"alert delivery failed: {type(exc).__name__}: {exc}"])
    for line in report.lines:
        context.log.warning(line)
    return dg.MaterializeResult(metadata=report.as_metadata())
