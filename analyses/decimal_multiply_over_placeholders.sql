-- The decimal_multiply macro over a placeholder table, compiled (not run) by
-- tests/test_decimal_multiply_property.py, which runs this exact SQL in DuckDB over pairs it
-- generates with hypothesis. The placeholder: dm_test_pairs(pair_id, left_value, right_value).
select
    pair_id,
    {{ decimal_multiply('left_value', 'right_value') }} as product
from dm_test_pairs
