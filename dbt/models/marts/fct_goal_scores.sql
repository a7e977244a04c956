{{ config(**wbexport_scores_config()) }}
-- Period-end score per goal and period: the progress of the last snapshot on or before the
-- end of the (goal's) period, as an OKR score 0..1 with a grade (green >= var score_green_min,
-- default 0.7; yellow >= var score_yellow_min, default 0.4; else red). While the period runs, the
-- score follows the latest snapshot; after period_end_date it stays final. A period that ended
-- before the first exported snapshot has no score. Incremental: each run reads only the new days
-- of fct_goal_progress_daily and merges on score_id (goal_id@period_end_date).
{%- set dates = wbexport_incremental_dates('goals', 'scored_snapshot_date') %}

with in_period as (
    select
        *,
        row_number() over (partition by goal_id, period_end_date order by snapshot_date desc) as recency
    from {{ ref('fct_goal_progress_daily') }}
    where period_end_date is not null
        and snapshot_date <= period_end_date
        {%- if dates is not none %}
        and {{ wbexport_in_dates('snapshot_date', dates) }}
        {%- endif %}
)

select
    {{ dbt.concat(["cast(goal_id as " ~ dbt.type_string() ~ ")", "'@'", "cast(period_end_date as " ~ dbt.type_string() ~ ")"]) }} as score_id,
    goal_id,
    period_quarter,
    period_quarter_start_date,
    period_start_date,
    period_end_date,
    snapshot_date as scored_snapshot_date,
    progress_pct as scored_progress_pct,
    {{ wbexport_score('progress_pct') }} as score,
    {{ wbexport_score_grade(wbexport_score('progress_pct')) }} as grade
from in_period
where recency = 1
