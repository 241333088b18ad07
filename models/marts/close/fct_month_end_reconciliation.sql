-- Published with its contract (the model's yml); the logic is int_invoices_reconciled_with_billing_lines, which the models
-- comparing closed months and the other intermediate models read.
with

final as (
    select * from {{ ref('int_invoices_reconciled_with_billing_lines') }}
)

select * from final
