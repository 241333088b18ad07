{#- Incremental by billing month: the charge-level models rebuild only the months
    whose inputs changed and replace them whole.

    month_incremental_config(month_column): the config dict of such a model, used as
    `{{ config(**month_incremental_config('billing_month')) }}`. Dispatched:
    - default__ (DuckDB and engines with delete+insert): materialized incremental, strategy
      delete+insert, unique_key = the month column, so every month present in the new batch is
      deleted from the table, then the batch inserted (a month is replaced, never merged row by
      row);
    - spark__: insert_overwrite partitioned by the month column, file_format from
      var('spark_file_format') (parquet by default): the partitions (months) present in the batch
      are overwritten (dynamic partition overwrite; `merge` would need Delta or Iceberg). Spark
      writes the partition column last, so every such model selects the month column as its
      LAST column on every engine, or the incremental insert's columns no longer line up
      (ENGINES.md).
    A full refresh (`tbm run --full-refresh`, `dbt build --full-refresh`) rebuilds every month
    and must give the same rows (tests/test_incremental.py). on_schema_change is `fail` (dbt
    requires it or append_new_columns of a contracted model): a changed model changes the
    build fingerprint, and `tbm run` then rebuilds with a full refresh anyway. -#}

{% macro month_incremental_config(month_column) -%}
    {{ return(adapter.dispatch('month_incremental_config', 'tbm_warehouse')(month_column)) }}
{%- endmacro %}

{% macro default__month_incremental_config(month_column) -%}
    {{ return({
        'tags': [month_incremental_tag()],
        'materialized': 'incremental',
        'on_schema_change': 'fail',
        'incremental_strategy': 'delete+insert',
        'unique_key': month_column,
    }) }}
{%- endmacro %}

{% macro spark__month_incremental_config(month_column) -%}
    {{ return({
        'tags': [month_incremental_tag()],
        'materialized': 'incremental',
        'on_schema_change': 'fail',
        'incremental_strategy': 'insert_overwrite',
        'partition_by': [month_column],
        'file_format': var('spark_file_format', 'parquet'),
    }) }}
{%- endmacro %}

{#- month_built_at(): when this dbt invocation started, as a timestamp literal (UTC). Every row an
    incremental model writes carries it in `month_built_at`, so a downstream model can tell
    which months its upstream rebuilt after its own last build. -#}
{% macro month_built_at() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as timestamp)
{%- endmacro %}

{#- months_rebuilt_upstream(upstream, month_column): a select of the months that `upstream` (a
    relation with `month_built_at`) built after this model last built them, or that this model
    does not have yet. Only valid inside `{% if is_incremental() %}`. -#}
{% macro months_rebuilt_upstream(upstream, month_column='billing_month') -%}
    select upstream_months.{{ month_column }}
    from (
        select
            {{ month_column }},
            max(month_built_at) as month_built_at
        from {{ upstream }}
        group by {{ month_column }}
    ) as upstream_months
    left join (
        select
            {{ month_column }},
            max(month_built_at) as month_built_at
        from {{ this }}
        group by {{ month_column }}
    ) as own_months
        on upstream_months.{{ month_column }} = own_months.{{ month_column }}
    where
        own_months.month_built_at is null
        or upstream_months.month_built_at > own_months.month_built_at
{%- endmacro %}


{#- month_incremental_tag(): the tag month_incremental_config gives its models; data tests on
    them check only the months the model's latest build wrote (get_where_subquery below). -#}
{% macro month_incremental_tag() -%}
    {{ return('month_incremental') }}
{%- endmacro %}

{#- is_month_incremental(relation): true when `relation` is a model built with
    month_incremental_config (looked up by its name in the graph). -#}
{% macro is_month_incremental(relation) -%}
    {%- if not execute or relation is string or relation.identifier is none -%}
        {{ return(false) }}
    {%- endif -%}
    {%- for node in graph.nodes.values() -%}
        {%- if node.resource_type == 'model'
            and node.alias | lower == relation.identifier | lower
            and node.schema | lower == (relation.schema or '') | lower
            and month_incremental_tag() in node.tags -%}
            {{ return(true) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(false) }}
{%- endmacro %}

{#- get_where_subquery(relation): dbt's own macro (it hands every generic data test its `model`),
    overridden: besides the test's `where` config, a test on a month-incremental model reads only
    the months the model's latest build wrote (the rows with its newest `month_built_at`), so an
    incremental build tests the months it rebuilt and not the whole history again (the other
    months passed their tests when they were built); a full refresh writes every month, so it
    tests every row, and a `dbt test` on its own tests the months of the last build. The
    subquery's alias, `rebuilt_months_only`, lets a two-model test restrict its other side to
    the same months (months_tested_in). -#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where') -%}
    {%- set rebuilt_only = is_month_incremental(relation) -%}
    {%- if rebuilt_only -%}
        {%- set filtered -%}
            (
                select * from {{ relation }}
                where month_built_at = (select max(month_built_at) from {{ relation }})
                {%- if where %} and ({{ where }}){% endif %}
            ) rebuilt_months_only
        {%- endset -%}
        {{ return(filtered) }}
    {%- elif where -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ where }}) dbt_subquery
        {%- endset -%}
        {{ return(filtered) }}
    {%- endif -%}
    {{ return(relation) }}
{%- endmacro %}

{#- months_tested_in(model, compare_model): `compare_model` as a two-model test (equal_row_count,
    equal_sum, relationships_in_same_month) should read it.
    When `model` is a month-incremental model restricted to the months its latest build wrote
    (get_where_subquery), the compare side is restricted to the same billing months (all of
    their rows, whenever built); otherwise `compare_model` unchanged. The months are made
    distinct first: as a bare `in (select ...)` DuckDB hashed every tested row (180M tag rows
    at 60M charges) and ran out of the 2GB limit. -#}
{% macro months_tested_in(model, compare_model) -%}
    {%- if (model | string).strip().endswith('rebuilt_months_only') -%}
        (
            select * from {{ compare_model }}
            where billing_month in (
                select distinct rebuilt_months_only.billing_month from {{ model }}
            )
        ) compare_months
    {%- else -%}
        {{ compare_model }}
    {%- endif -%}
{%- endmacro %}

{#- months_to_build_cte(upstreams): in an incremental run, the CTE `months_to_build` (with its
    trailing comma, so it goes first in the `with` list): the months that any of `upstreams`
    (refs of month-incremental models) built after this model last built them. Nothing in a
    full build. Materialized (materialized_cte). -#}
{% macro months_to_build_cte(upstreams) -%}
    {%- if is_incremental() %}
months_to_build as {{ materialized_cte() }} (
        {%- for upstream in upstreams %}
    {{ months_rebuilt_upstream(upstream) }}
            {%- if not loop.last %}
    union
            {%- endif %}
        {%- endfor %}
),
    {%- endif %}
{%- endmacro %}

{#- materialized_cte(): the keyword that has a CTE computed once, before the query that reads it
    (`name as materialized (...)`), for the months to build. Read inline as a filter
    (`billing_month in (...)`), their aggregates over the whole upstream tables left DuckDB with
    an estimate of billions of rows, and the JSON explosion of the tag table ran out of
    the 2GB limit in the build that added a month to 60M charges; computed first, the same
    select took 4 s. Spark has no such keyword: nothing. -#}
{% macro materialized_cte() -%}
    {{ return(adapter.dispatch('materialized_cte', 'tbm_warehouse')()) }}
{%- endmacro %}

{% macro default__materialized_cte() -%}{%- endmacro %}

{% macro duckdb__materialized_cte() -%}materialized{%- endmacro %}

{#- not_materialized_cte(): the keyword that has a CTE read inline by each query part that names it
    (`name as not materialized (...)`). DuckDB computes a CTE named more than once into a buffer
    first; for a selection of millions of charges that buffer spills, and reading the table
    again in each part is several times faster (int_charges_mapped_to_services at 10M: 8.8 s
    materialized, 2.4 s inline). Spark has no such keyword and inlines: nothing. -#}
{% macro not_materialized_cte() -%}
    {{ return(adapter.dispatch('not_materialized_cte', 'tbm_warehouse')()) }}
{%- endmacro %}

{% macro default__not_materialized_cte() -%}{%- endmacro %}

{% macro duckdb__not_materialized_cte() -%}not materialized{%- endmacro %}

{#- where_months_to_build(month_column): in an incremental run, the where clause that keeps the
    rows of months_to_build; nothing in a full build. -#}
{% macro where_months_to_build(month_column='billing_month') -%}
    {%- if is_incremental() -%}
    where {{ month_column }} in (select months_to_build.billing_month from months_to_build)
    {%- endif -%}
{%- endmacro %}
