-- Where does every goal sit in the alignment tree right now (latest snapshot)? One row per goal:
-- the goal it is aligned to, its root objective, its depth and its path from the root (goal ids
-- and names joined by ' > '). The path follows parent_goal_id from the roots down; a goal aligned
-- to a goal the export did not list starts its own path there (is_parent_listed false). Depth
-- is capped at 20, so a cycle in the data cannot loop (tests/assert_goal_alignment_no_cycles.sql
-- fails on one).
with recursive alignments as (
    select goal_id, parent_goal_id, goal_name
    from {{ ref('stg_workboard__goal_alignments') }}
    where snapshot_date = {{ wbexport_latest_snapshot_date() }}
),

tree as (
    select
        child.goal_id,
        child.goal_id as root_goal_id,
        cast(0 as {{ dbt.type_bigint() }}) as depth,
        cast(child.goal_id as {{ dbt.type_string() }}) as path_goal_ids,
        cast(coalesce(child.goal_name, '') as {{ dbt.type_string() }}) as path_goal_names
    from alignments as child
    left join alignments as parent
        on child.parent_goal_id = parent.goal_id
    where parent.goal_id is null

    union all

    select
        child.goal_id,
        tree.root_goal_id,
        tree.depth + 1 as depth,
        {{ dbt.concat(["tree.path_goal_ids", "' > '", "cast(child.goal_id as " ~ dbt.type_string() ~ ")"]) }} as path_goal_ids,
        {{ dbt.concat(["tree.path_goal_names", "' > '", "coalesce(child.goal_name, '')"]) }} as path_goal_names
    from tree
    inner join alignments as child
        on child.parent_goal_id = tree.goal_id
    where tree.depth < 20
)

select
    tree.goal_id,
    alignments.goal_name,
    alignments.parent_goal_id,
    parents.goal_name as parent_goal_name,
    alignments.parent_goal_id is null or parents.goal_id is not null as is_parent_listed,
    tree.root_goal_id,
    roots.goal_name as root_goal_name,
    tree.depth as alignment_depth,
    tree.path_goal_ids,
    tree.path_goal_names,
    tree.depth = 0 and alignments.parent_goal_id is null as is_root
from tree
inner join alignments
    on tree.goal_id = alignments.goal_id
inner join alignments as roots
    on tree.root_goal_id = roots.goal_id
left join alignments as parents
    on alignments.parent_goal_id = parents.goal_id
