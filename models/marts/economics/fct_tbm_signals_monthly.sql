{%- set jump = var('over_aggregation_hhi_jump_threshold') -%}

{#- Monthly signals. F2, over-aggregation: costs collapsing into few buckets (a catch-all
    service, `unallocated`, a mapping rule too broad), which hides the per-service variance.

      share of a service = its fully allocated effective cost / the month's total, over the
        services (and the `unallocated` bucket) with a positive cost (fct_allocated_costs);
      HHI (Herfindahl-Hirschman index) = sum of the squared shares, from 1 / n (n equal
        services) to 1 (one bucket); effective service count = 1 / HHI;
      flagged when HHI > (1 + over_aggregation_hhi_jump_threshold) x the previous month's HHI.

    Months: those with daily cost data (fct_cost_by_service_daily), so that the months holding
    only the scheduled amortization of prepaid invoices are not judged; a month is judged
    against the calendar month before it when that month is one of them. -#}

with

allocated_costs as (
    select * from {{ ref('fct_allocated_costs') }}
),

cost_months as (
    select distinct cost_month as billing_month
    from {{ ref('fct_cost_by_service_daily') }}
),

service_costs as (
    select
        allocated_costs.billing_month,
        allocated_costs.service_id,
        {{ fx_safe_sum('allocated_costs.effective_cost_reporting') }} as effective_cost_reporting
    from allocated_costs
    inner join cost_months
        on allocated_costs.billing_month = cost_months.billing_month
    group by
        allocated_costs.billing_month,
        allocated_costs.service_id
),

-- A month with a service lacking an FX rate is not measured (never a partial total).
month_totals as (
    select
        billing_month,
        {{ fx_safe_sum(
            'case when effective_cost_reporting > 0 then effective_cost_reporting else 0 end',
            known='effective_cost_reporting'
        ) }} as positive_cost_reporting,
        sum(case when effective_cost_reporting > 0 then 1 else 0 end) as service_count
    from service_costs
    group by billing_month
),

service_shares as (
    select
        service_costs.billing_month,
        service_costs.service_id,
        {{ decimal_divide(
            'service_costs.effective_cost_reporting', 'month_totals.positive_cost_reporting'
        ) }} as cost_share
    from service_costs
    inner join month_totals
        on service_costs.billing_month = month_totals.billing_month
    where
        service_costs.effective_cost_reporting > 0
        and month_totals.positive_cost_reporting > 0
),

shares_ranked as (
    select
        billing_month,
        service_id,
        cost_share,
        row_number() over (
            partition by billing_month order by cost_share desc, service_id asc
        ) as share_rank
    from service_shares
),

concentrations as (
    select
        month_totals.billing_month,
        month_totals.service_count,
        sum({{ decimal_multiply('shares_ranked.cost_share', 'shares_ranked.cost_share') }})
            as herfindahl_index,
        max(case when shares_ranked.share_rank = 1 then shares_ranked.service_id end)
            as top_service_id,
        max(shares_ranked.cost_share) as top_service_share
    from month_totals
    left join shares_ranked
        on month_totals.billing_month = shares_ranked.billing_month
    group by
        month_totals.billing_month,
        month_totals.service_count
),

compared as (
    select
        this_month.*,
        previous_month.herfindahl_index as previous_herfindahl_index,
        previous_month.service_count as previous_service_count
    from concentrations as this_month
    left join concentrations as previous_month
        on
            cast({{ dbt.dateadd('month', -1, 'this_month.billing_month') }} as date)
            = previous_month.billing_month
),

final as (
    select
        -- ids
        cast('F2' as string) as signal_id,
        -- strings
        cast('over_aggregation' as string) as signal_name,
        cast(top_service_id as string) as top_service_id,
        -- numerics
        cast(herfindahl_index as decimal(38, 12)) as observed_value,
        cast(previous_herfindahl_index as decimal(38, 12)) as baseline_value,
        cast({{ jump }} as decimal(38, 12)) as threshold_value,
        cast(
            {{ decimal_divide(
                decimal_multiply(
                    decimal_subtract('herfindahl_index', 'previous_herfindahl_index'), 100
                ),
                'previous_herfindahl_index',
                6
            ) }} as decimal(38, 6)
        ) as observed_change_percent,
        cast({{ decimal_divide(1, 'herfindahl_index', 6) }} as decimal(38, 6))
            as effective_service_count,
        cast(top_service_share as decimal(38, 12)) as top_service_share,
        cast(service_count as integer) as service_count,
        cast(previous_service_count as integer) as previous_service_count,
        -- booleans
        coalesce(
            herfindahl_index
            > {{ decimal_multiply('previous_herfindahl_index', '(1 + ' ~ jump ~ ')') }},
            false
        ) as is_flagged,
        -- dates
        cast(billing_month as date) as billing_month
    from compared
)

select * from final
