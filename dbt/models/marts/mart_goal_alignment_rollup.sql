-- Does progress roll up the alignment tree? Latest snapshot: every goal that has goals aligned
-- to it, its own progress next to the average progress of the goals aligned directly to it
-- (and of its whole subtree), and the gap between the two.
with alignment as (
    select goal_id, parent_goal_id, root_goal_id, alignment_depth, path_goal_ids
    from {{ ref('dim_goal_alignment') }}
),

goals as (
    select goal_id, goal_name, team_id, owner_user_id, progress_pct, progress_color
    from {{ ref('dim_goals') }}
),

children as (
    select
        alignment.parent_goal_id as goal_id,
        count(*) as aligned_goals,
        avg(goals.progress_pct) as aligned_avg_progress_pct
    from alignment
    inner join goals
        on alignment.goal_id = goals.goal_id
    where alignment.parent_goal_id is not null
    group by alignment.parent_goal_id
),

-- every goal below a goal, at any depth: its path starts with the ancestor's path
subtree as (
    select
        ancestor.goal_id,
        count(*) as subtree_goals,
        avg(goals.progress_pct) as subtree_avg_progress_pct
    from alignment as ancestor
    inner join alignment as descendant
        on descendant.root_goal_id = ancestor.root_goal_id
        and descendant.alignment_depth > ancestor.alignment_depth
        and {{ dbt.position(dbt.concat(["ancestor.path_goal_ids", "' > '"]), dbt.concat(["descendant.path_goal_ids", "' > '"])) }} = 1
    inner join goals
        on descendant.goal_id = goals.goal_id
    group by ancestor.goal_id
)

select
    alignment.goal_id,
    goals.goal_name,
    goals.team_id,
    goals.owner_user_id,
    alignment.root_goal_id,
    alignment.alignment_depth,
    goals.progress_pct as own_progress_pct,
    goals.progress_color as own_progress_color,
    children.aligned_goals,
    children.aligned_avg_progress_pct,
    children.aligned_avg_progress_pct - goals.progress_pct as aligned_minus_own_pct,
    subtree.subtree_goals,
    subtree.subtree_avg_progress_pct
from alignment
inner join goals
    on alignment.goal_id = goals.goal_id
inner join children
    on alignment.goal_id = children.goal_id
left join subtree
    on alignment.goal_id = subtree.goal_id
