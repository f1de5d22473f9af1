{#- Success milestones, declared as data in var `lifecycle_milestones` (dbt_project.yml) and
    compiled here into SQL, so adding a milestone is adding a list entry, not writing SQL.

    Each entry: name, start_event, follow_up_event, window_days, and optionally
    same_user (default false), start_user_property (a property of the start event naming the
    user whose follow-up counts, e.g. invited_user_id; default: the start event's own user),
    start_occurrence (any | first; default any), start_properties / follow_up_properties
    ({property: value} filters on the event's `properties`).

    A milestone is reached at the earliest follow-up event that happens at or after a qualifying
    start event of the same account and no later than window_days after it. -#}

{% macro lifecycle_milestone_definitions() -%}
    {%- set milestones = var('lifecycle_milestones', []) -%}
    {%- set names = [] -%}
    {%- for milestone in milestones -%}
        {%- for key in ['name', 'start_event', 'follow_up_event', 'window_days'] -%}
            {%- if milestone.get(key) is none -%}
                {{ exceptions.raise_compiler_error(
                    "var lifecycle_milestones, entry " ~ loop.index ~ " (" ~ milestone ~ "): missing '" ~ key
                    ~ "'. Each milestone needs name, start_event, follow_up_event and window_days.") }}
            {%- endif -%}
        {%- endfor -%}
        {%- if milestone['name'] in names -%}
            {{ exceptions.raise_compiler_error("var lifecycle_milestones: the name '" ~ milestone['name'] ~ "' is declared twice.") }}
        {%- endif -%}
        {%- if milestone.get('start_occurrence', 'any') not in ['any', 'first'] -%}
            {{ exceptions.raise_compiler_error("var lifecycle_milestones, '" ~ milestone['name'] ~ "': start_occurrence must be any or first.") }}
        {%- endif -%}
        {%- do names.append(milestone['name']) -%}
    {%- endfor -%}
    {{ return(milestones) }}
{%- endmacro %}

{#- A SQL string literal. -#}
{% macro lifecycle_literal(value) -%}
    '{{ value | string | replace("'", "''") }}'
{%- endmacro %}

{#- `and properties.<key> = '<value>'` for each filter of a {property: value} mapping. -#}
{% macro lifecycle_property_filters(alias, filters) -%}
    {%- for key, value in (filters or {}).items() %}
        and {{ json_text(alias ~ '.properties', key) }} = {{ lifecycle_literal(value) }}
    {%- endfor -%}
{%- endmacro %}

{#- One select per milestone (union all): account_id, milestone, reached_at, start_event_id,
    follow_up_event_id, user_id. `events` is a relation or CTE shaped like int_product_events. -#}
{% macro lifecycle_milestone_candidates(events) -%}
    {%- set milestones = lifecycle_milestone_definitions() -%}
    {%- if milestones | length == 0 %}
    select
        cast(null as varchar) as account_id,
        cast(null as varchar) as milestone,
        cast(null as timestamp) as reached_at,
        cast(null as varchar) as start_event_id,
        cast(null as varchar) as follow_up_event_id,
        cast(null as varchar) as user_id
    where false
    {%- endif -%}
    {%- for milestone in milestones %}
    {%- set same_user = milestone.get('same_user', false) %}
    {%- set user_property = milestone.get('start_user_property') %}
    select
        starts.account_id,
        {{ lifecycle_literal(milestone['name']) }} as milestone,
        follow_ups.occurred_at as reached_at,
        starts.event_id as start_event_id,
        follow_ups.event_id as follow_up_event_id,
        follow_ups.resolved_user_id as user_id
    from (
        select
            *,
            {%- if user_property %}
            coalesce({{ json_text('properties', user_property) }}, resolved_user_id) as expected_user_id,
            {%- else %}
            resolved_user_id as expected_user_id,
            {%- endif %}
            row_number() over (partition by account_id order by occurred_at, event_id) as occurrence
        from {{ events }}
        where event_name = {{ lifecycle_literal(milestone['start_event']) }}
            and account_id is not null
            and occurred_at is not null
            {{- lifecycle_property_filters(events, milestone.get('start_properties')) }}
    ) as starts
    inner join {{ events }} as follow_ups
        on starts.account_id = follow_ups.account_id
        and follow_ups.event_name = {{ lifecycle_literal(milestone['follow_up_event']) }}
        and follow_ups.event_id != starts.event_id
        and follow_ups.occurred_at >= starts.occurred_at
        and follow_ups.occurred_at <= {{ dbt.dateadd('day', milestone['window_days'] | int, 'starts.occurred_at') }}
        {%- if same_user %}
        and follow_ups.resolved_user_id = starts.expected_user_id
        {%- endif %}
        {{- lifecycle_property_filters('follow_ups', milestone.get('follow_up_properties')) }}
    {%- if milestone.get('start_occurrence', 'any') == 'first' %}
    where starts.occurrence = 1
    {%- endif %}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
{%- endmacro %}
