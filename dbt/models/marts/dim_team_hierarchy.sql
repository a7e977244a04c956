-- Which teams roll up into which? A bridge of the team tree (latest snapshot) following
-- parent_team_id: one row per team and each of its ancestors, itself included (depth 0). Join a
-- fact's team_id to team_id and group by ancestor_team_id to roll a team's subtree up.
-- Dotted-line parents (dotted_parent_team_ids) are not followed. Depth is capped at 20 so a
-- cycle in the data cannot loop.
with recursive teams as (
    select team_id, parent_team_id, team_name
    from {{ ref('stg_workboard__teams') }}
    where snapshot_date = {{ wbexport_latest_snapshot_date() }}
),

tree as (
    select
        team_id,
        team_id as ancestor_team_id,
        parent_team_id as next_ancestor_team_id,
        cast(0 as {{ dbt.type_bigint() }}) as depth
    from teams

    union all

    select
        tree.team_id,
        parents.team_id as ancestor_team_id,
        parents.parent_team_id as next_ancestor_team_id,
        tree.depth + 1 as depth
    from tree
    inner join teams as parents
        on tree.next_ancestor_team_id = parents.team_id
    where tree.depth < 20
)

select
    {{ dbt.concat(["cast(tree.ancestor_team_id as " ~ dbt.type_string() ~ ")", "'>'", "cast(tree.team_id as " ~ dbt.type_string() ~ ")"]) }} as team_ancestor_id,
    tree.ancestor_team_id,
    ancestors.team_name as ancestor_team_name,
    tree.team_id,
    members.team_name,
    tree.depth,
    tree.depth = 0 as is_self
from tree
inner join teams as ancestors
    on tree.ancestor_team_id = ancestors.team_id
inner join teams as members
    on tree.team_id = members.team_id
