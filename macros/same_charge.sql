{#- same_charge(left, right): the join condition of two charge-level relations on the charge
    they hold. A charge is named by its file and line as well as by charge_id (the file's hash
    and the line: one loaded file per hash), and the two integers join about twice as fast as
    the text id at 10M-50M charges a month. -#}
{% macro same_charge(left, right) -%}
    {{ left }}.source_file_id = {{ right }}.source_file_id
    and {{ left }}.source_line = {{ right }}.source_line
{%- endmacro %}
