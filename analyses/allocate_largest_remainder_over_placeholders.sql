-- The allocation macro over placeholder tables, compiled (not run) by
-- tests/test_allocation_property.py: the property test runs this exact SQL in DuckDB over
-- tables it generates with hypothesis. The placeholders:
--   lr_test_pools(pool_id, amount_a, amount_b, decimals_a)
--   lr_test_receivers(pool_id, receiver_id, weight)
-- amount_a is allocated at decimals_a (a currency's minor units, falling back to 12 when the
-- amount is not whole at it), amount_b at the storage scale (12).
with

pools as (
    select * from lr_test_pools
),

receivers as (
    select * from lr_test_receivers
),

allocated as (
    {{ allocate_largest_remainder(
        pools='pools',
        receivers='receivers',
        pool_keys=['pool_id'],
        receiver_keys=['receiver_id'],
        weight_column='weight',
        amount_columns=['amount_a', 'amount_b'],
        decimals={'amount_a': 'decimals_a'},
    ) }}
)

select * from allocated
