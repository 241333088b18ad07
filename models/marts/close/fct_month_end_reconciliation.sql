-- Published with its contract (the model's yml names and types every column); the logic is
-- int_invoices_reconciled_with_billing_lines, which intermediate models read instead of this mart.
with

final as (
    select * from {{ ref('int_invoices_reconciled_with_billing_lines') }}
)

select * from final -- noqa: AM04
