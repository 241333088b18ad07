{#- Use the custom schema name as is (staging, intermediate, marts, quality, seeds), not dbt's
    default `<target_schema>_<custom>`: the layers are fixed schemas of one warehouse file and the
    publication step copies `marts` and `quality` by name. Without a custom schema, the target's. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
