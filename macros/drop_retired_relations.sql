{#- The end of a DuckDB `dbt build` or `dbt run`: drop each table or view of the schemas dbt owns
    (`owned_schemas`) that no model, seed or snapshot of the project builds any more. dbt never
    drops the relation of a model that was removed or renamed, so a warehouse upgraded across
    such a change would keep the old table, unread and never refreshed, for as long as it lives.
    The schemas the orchestration writes (raw, audit, closed) are never touched; each drop is
    logged. Spark: nothing (its schemas are rebuilt from the exchange). -#}
{% macro drop_retired_relations(owned_schemas=['staging', 'intermediate', 'marts', 'utilities', 'quality', 'seeds']) -%}
    {%- if execute and target.type == 'duckdb' and flags.WHICH in ('build', 'run') -%}
        {%- set built = [] -%}
        {%- for node in graph.nodes.values()
            if node.resource_type in ('model', 'seed', 'snapshot')
            and node.config.materialized != 'ephemeral' -%}
            {%- do built.append((node.schema ~ '.' ~ node.alias) | lower) -%}
        {%- endfor -%}
        {%- set found = run_query(
            "select table_catalog, table_schema, table_name, table_type from information_schema.tables"
            ~ " where table_catalog = current_database()"
            ~ " and table_schema in ('" ~ owned_schemas | join("', '") ~ "')"
            ~ " order by table_schema, table_name"
        ) -%}
        {%- for database, schema, name, kind in found.rows
            if (schema ~ '.' ~ name) | lower not in built -%}
            {%- set relation = api.Relation.create(
                database=database, schema=schema, identifier=name,
                type='view' if kind == 'VIEW' else 'table'
            ) -%}
            {%- do log('Dropping ' ~ relation ~ ': no model, seed or snapshot builds it', info=True) -%}
            {%- do adapter.drop_relation(relation) -%}
        {%- endfor -%}
    {%- endif -%}
    {{- return('') -}}
{%- endmacro %}
