-- The fixed percentages of a pool valid on a day add up to 100, so a fixed driver means what it
-- says (the allocation itself only uses them as relative weights). Checked on every day a share
-- starts or ends. Fails with each pool and day whose shares do not sum to 100.
with

shares as (
    select * from {{ ref('pool_fixed_shares') }}
),

change_days as (
    select distinct
        pool_id,
        valid_from as checked_day
    from shares
    union
    select distinct
        pool_id,
        valid_to as checked_day
    from shares
    where valid_to is not null
),

shares_on_change_days as (
    select
        change_days.pool_id,
        change_days.checked_day,
        sum(shares.share_percent) as total_percent
    from change_days
    inner join shares
        on
            change_days.pool_id = shares.pool_id
            and {{ is_valid_on('shares', 'change_days.checked_day') }}
    group by
        change_days.pool_id,
        change_days.checked_day
)

select * from shares_on_change_days
where total_percent <> 100
