package workboard

import (
	"encoding/json"
	"time"
)

// Opt is an optional value: Valid is false when the API sent null, an empty string, the "0"
// sentinel of a timestamp, or left the field out.
type Opt[T any] struct {
	V     T
	Valid bool
}

// Some returns a valid Opt holding v.
func Some[T any](v T) Opt[T] { return Opt[T]{V: v, Valid: true} }

// Ptr returns a pointer to the value, or nil when not valid.
func (o Opt[T]) Ptr() *T {
	if !o.Valid {
		return nil
	}
	return &o.V
}

// Extra holds the fields of one API object that no typed field holds, as a JSON object text
// (keys sorted), or nil when there were none. New or undocumented WorkBoard fields land here, so
// nothing the API sends is silently lost.
type Extra = json.RawMessage

// The records below are what the API's objects become. Their json tags name the member each
// field is decoded from (package decode); "-" marks what decode fills in itself: required ids,
// values from nested objects, Extra.

// Meta is carried by every record: when its page was received and from which request.
type Meta struct {
	ExtractedAt time.Time // when the HTTP response holding the record was received (UTC)
	Endpoint    string    // the request path and query, without credentials, e.g. "/goal?limit=100&offset=200"
}

// Stamp sets the record's Meta.
func (m *Meta) Stamp(n Meta) { *m = n }

// User is one WorkBoard user (GET /user?include=org_members). See the users table in schemas/.
type User struct {
	Meta                 `json:"-"`
	UserID               int64           `json:"-"`
	UserName             Opt[string]     `json:"user_name"`
	Email                Opt[string]     `json:"email"`
	FirstName            Opt[string]     `json:"first_name"`
	LastName             Opt[string]     `json:"last_name"`
	WBEmail              Opt[string]     `json:"wb_email"`
	CellNum              Opt[string]     `json:"cell_num"`
	CreateAt             Opt[time.Time]  `json:"create_at"` // int or string epoch in the API
	LastVisitedAt        Opt[time.Time]  `json:"last_visited_at"`
	Picture              Opt[string]     `json:"picture"`
	TimeZone             Opt[string]     `json:"time_zone"`
	ExternalID           Opt[string]     `json:"external_id"` // "" becomes not valid
	CreatedFrom          Opt[string]     `json:"created_from"`
	OrgID                Opt[int64]      `json:"org_id"`
	Status               Opt[string]     `json:"status"`
	OrgUserRoles         []string        `json:"org_user_roles"` // split from the comma list; nil when absent/null
	Managers             []Manager       `json:"-"`
	IsReadOnly           Opt[bool]       `json:"is_read_only"`
	ProfileTitle         Opt[string]     `json:"-"`
	ProfileCompany       Opt[string]     `json:"-"`
	CustomAttributesJSON json.RawMessage `json:"-"` // profile.custom_attributes verbatim, nil when null/absent
	Extra                Extra           `json:"-"`
}

// Manager is one entry of a user's manager list (manager: false decodes to no entries).
type Manager struct {
	UserID int64
	Role   string // "1" direct, "2" dotted
}

// Team is one team (GET /team?include=org_teams).
type Team struct {
	Meta          `json:"-"`
	TeamID        int64          `json:"-"`
	ExternalID    Opt[string]    `json:"external_id"`
	ParentTeamID  Opt[int64]     `json:"parent_team_id"` // "0", "" and null are not valid (root team)
	DottedTeamIDs []int64        `json:"dotted_team_ids"`
	TeamName      Opt[string]    `json:"team_name"`
	TeamOwner     Opt[int64]     `json:"team_owner"`
	TeamType      Opt[string]    `json:"team_type"`
	Level         Opt[string]    `json:"level"`
	CreatedFrom   Opt[string]    `json:"created_from"`
	CreatedAt     Opt[time.Time] `json:"created_at"`
	UpdatedAt     Opt[time.Time] `json:"updated_at"`
	TeamState     Opt[string]    `json:"team_state"`
	Extra         Extra          `json:"-"`
}

// TeamMember is one member of a team (GET /team/{id} team_members[]).
type TeamMember struct {
	Meta      `json:"-"`
	TeamID    int64       `json:"-"`
	UserID    int64       `json:"-"`
	FirstName Opt[string] `json:"first_name"`
	LastName  Opt[string] `json:"last_name"`
	Email     Opt[string] `json:"email"`
	TeamRole  Opt[string] `json:"team_role"`
	Extra     Extra       `json:"-"`
}

// IDName is an {id, name} pair such as goal_type, goal_category[] or metric_unit.
type IDName struct {
	ID   string
	Name string
}

// Goal is one goal (objective), flattened out of people_goals / team_goals wrappers or taken
// flat. Its goal_metrics[] and goal_comments[] are not kept here: key results come from
// /metric (KeyResult) and comments are emitted as GoalComment records.
type Goal struct {
	Meta                  `json:"-"`
	GoalID                int64           `json:"-"`
	GoalName              Opt[string]     `json:"goal_name"`
	GoalNarrative         Opt[string]     `json:"goal_narrative"`
	GoalType              Opt[IDName]     `json:"goal_type"`
	GoalOwner             Opt[int64]      `json:"goal_owner"`
	GoalOwnerFullName     Opt[string]     `json:"goal_owner_full_name"`
	GoalCreateAt          Opt[time.Time]  `json:"goal_create_at"`
	GoalModifiedAt        Opt[time.Time]  `json:"goal_modified_at"`
	GoalCreatedBy         Opt[int64]      `json:"goal_created_by"`
	GoalUpdatedBy         Opt[int64]      `json:"goal_updated_by"`
	GoalStartDate         Opt[time.Time]  `json:"goal_start_date"`
	GoalTargetDate        Opt[time.Time]  `json:"goal_target_date"`
	GoalProgress          Opt[float64]    `json:"goal_progress"`
	GoalProgressColor     Opt[string]     `json:"goal_progress_color"`
	GoalStatus            Opt[string]     `json:"goal_status"`
	GoalPermission        []string        `json:"goal_permission"` // split from the comma list
	GoalCategory          []IDName        `json:"goal_category"`
	GoalWorkstreams       []IDName        `json:"goal_workstreams"`
	GoalTeamID            Opt[int64]      `json:"goal_team_id"`
	GoalTeamName          Opt[string]     `json:"goal_team_name"`
	GoalMetricsCount      Opt[int64]      `json:"goal_metrics_count"`
	GoalCommentsCount     Opt[int64]      `json:"goal_comments_count"`
	GoalPermissionTeamIDs []int64         `json:"-"`                 // goal_custom_permission.goal_permission_team_ids
	CustomAttributesJSON  json.RawMessage `json:"custom_attributes"` // custom_attributes verbatim, nil when null/absent
	MetricIDs             []int64         `json:"-"`                 // ids in goal_metrics[], used to cross-check /metric
	Extra                 Extra           `json:"-"`
}

// GoalComment is one entry of a goal's goal_comments[].
type GoalComment struct {
	Meta               `json:"-"`
	CommentID          int64          `json:"-"`
	GoalID             int64          `json:"-"`
	CommentText        Opt[string]    `json:"comment_text"`
	CommentOwner       Opt[int64]     `json:"comment_owner"`
	CommentOwnerName   Opt[string]    `json:"comment_owner_name"`
	CommentAddedAt     Opt[time.Time] `json:"comment_added_at"`
	CommentLastUpdated Opt[time.Time] `json:"comment_last_updated"`
	Extra              Extra          `json:"-"`
}

// KeyResult is one key result (metric) from GET /metric?goal_id=G&include_metric_data=yes or
// GET /metric/{id}?include_metric_data=yes. Its history arrays are emitted as Checkin,
// Confidence and KRComment records.
type KeyResult struct {
	Meta                    `json:"-"`
	MetricID                int64           `json:"-"`
	GoalID                  int64           `json:"-"` // metric_goal_id
	MetricName              Opt[string]     `json:"metric_name"`
	MetricOwner             Opt[int64]      `json:"metric_owner"`
	MetricRealOwner         Opt[int64]      `json:"metric_real_owner"`
	MetricUpdateInterval    Opt[IDName]     `json:"metric_update_interval"`
	MetricUpdateIntervalDay Opt[string]     `json:"metric_update_interval_day"`
	MetricUnit              Opt[IDName]     `json:"metric_unit"`
	MetricProgressType      Opt[IDName]     `json:"metric_progress_type"`
	MetricCountingType      Opt[IDName]     `json:"metric_counting_type"`
	MetricInitialData       Opt[float64]    `json:"metric_initial_data"`
	MetricTarget            Opt[float64]    `json:"metric_target"`
	MetricAchieveTarget     Opt[float64]    `json:"metric_achieve_target"`
	MetricProgress          Opt[float64]    `json:"metric_progress"`
	MetricProgressColor     Opt[string]     `json:"metric_progress_color"`
	MetricCreateAt          Opt[time.Time]  `json:"metric_create_at"`
	MetricModifiedAt        Opt[time.Time]  `json:"metric_modified_at"`
	MetricCreatedBy         Opt[int64]      `json:"metric_created_by"`
	MetricUpdatedBy         Opt[int64]      `json:"metric_updated_by"`
	MetricLastUpdate        Opt[time.Time]  `json:"metric_last_update"`
	MetricNextUpdate        Opt[time.Time]  `json:"metric_next_update"`
	MetricSourceFrom        Opt[string]     `json:"metric_source_from"` // the numeric source code on /metric
	MetricStatus            Opt[string]     `json:"metric_status"`
	MetricPermission        []string        `json:"metric_permission"`
	TargetDate              Opt[time.Time]  `json:"target_date"`
	MetricMITStartDate      Opt[time.Time]  `json:"metric_mit_start_date"`
	MetricMITEndDate        Opt[time.Time]  `json:"metric_mit_end_date"`
	MetricGoalSource        []int64         `json:"metric_goal_source"`
	MetricAutomationJSON    json.RawMessage `json:"metric_automation"` // verbatim, nil when null/absent
	ChildKRJSON             json.RawMessage `json:"child_kr"`          // verbatim, nil when null, absent or []
	Extra                   Extra           `json:"-"`
}

// Checkin is one metric_data[] slot of a key result.
type Checkin struct {
	Meta         `json:"-"`
	MetricDataID int64          `json:"-"`
	MetricID     int64          `json:"-"`
	GoalID       int64          `json:"-"`
	CreatedAt    Opt[time.Time] `json:"metric_data_created_at"` // metric_data_created_at: when the slot is due
	Value        Opt[float64]   `json:"metric_data_value"`      // null for a missed check-in
	UpdatedAt    Opt[time.Time] `json:"metric_data_updated_at"` // "0" → not valid
	CreatedBy    Opt[int64]     `json:"metric_data_created_by"` // "" → not valid
	Comment      Opt[string]    `json:"metric_data_comment"`
	Extra        Extra          `json:"-"`
}

// Confidence is one metric_confidence[] entry. Ordinal numbers entries that share
// (MetricID, ModifiedAt), 0-based, in API order.
type Confidence struct {
	Meta         `json:"-"`
	MetricID     int64       `json:"-"`
	ModifiedAt   time.Time   `json:"-"`
	Ordinal      int64       `json:"-"`
	GoalID       int64       `json:"-"`
	Confidence   Opt[string] `json:"confidence"`
	Comment      Opt[string] `json:"comment"`
	MetricDataID Opt[int64]  `json:"metric_data_id"`
	Extra        Extra       `json:"-"`
}

// KRComment is one metric_comments[] entry. Ordinal as for Confidence.
type KRComment struct {
	Meta       `json:"-"`
	MetricID   int64       `json:"-"`
	ModifiedAt time.Time   `json:"-"`
	Ordinal    int64       `json:"-"`
	GoalID     int64       `json:"-"`
	Comment    Opt[string] `json:"comment"`
	Extra      Extra       `json:"-"`
}

// Tag is one tag of GET /tags.
type Tag struct {
	Meta        `json:"-"`
	TagID       int64          `json:"-"`
	TagName     Opt[string]    `json:"name"`
	TagStatus   Opt[string]    `json:"status"` // "1" active, "2" archived
	GroupID     Opt[int64]     `json:"group_id"`
	GroupName   Opt[string]    `json:"group_name"`
	GroupStatus Opt[string]    `json:"group_status"`
	CreatedDate Opt[time.Time] `json:"created_date"`
	CreatedBy   Opt[int64]     `json:"created_by"`
	UpdatedDate Opt[time.Time] `json:"updated_date"`
	UpdatedBy   Opt[int64]     `json:"updated_by"`
	Extra       Extra          `json:"-"`
}

// KRTag is one tag of a key result (GET /metric/krtags: data.metrics[].tags[]).
type KRTag struct {
	Meta        `json:"-"`
	MetricID    int64          `json:"-"`
	TagID       int64          `json:"-"`
	MetricName  Opt[string]    `json:"-"` // metrics[].name
	TagName     Opt[string]    `json:"name"`
	TagStatus   Opt[string]    `json:"status"`
	GroupID     Opt[int64]     `json:"group_id"`
	GroupName   Opt[string]    `json:"group_name"`
	GroupStatus Opt[string]    `json:"group_status"`
	UpdatedDate Opt[time.Time] `json:"updated_date"`
	UpdatedBy   Opt[int64]     `json:"updated_by"`
	Extra       Extra          `json:"-"`
}

// AlignmentNode is one node of GET /goal/{id}/alignment (data.alignment[], nested through
// goal_alignments[]): a goal and, when the node was nested, the goal it is aligned to.
type AlignmentNode struct {
	Meta              `json:"-"`
	GoalID            int64          `json:"-"`
	ParentGoalID      Opt[int64]     `json:"-"` // not valid for a top node: its parent is not in the answer
	GoalName          Opt[string]    `json:"goal_name"`
	GoalOwner         Opt[int64]     `json:"goal_owner"`
	GoalTeamName      Opt[string]    `json:"goal_team_name"`
	GoalTargetDate    Opt[time.Time] `json:"goal_target_date"`
	GoalProgress      Opt[float64]   `json:"goal_progress"`
	GoalProgressColor Opt[string]    `json:"goal_progress_color"`
	Extra             Extra          `json:"-"`
}

// GoalAlignment is one row of the alignment tree: a goal's node with its parent, depth and
// path from its root.
type GoalAlignment struct {
	AlignmentNode
	Depth       int64
	RootGoalID  int64
	PathGoalIDs []int64
}

// Batch is a set of records decoded from one API response (or a few). The pipeline receives
// batches in no particular order across kinds; within a kind, ids are unique across the run.
type Batch struct {
	Users        []User
	Teams        []Team
	TeamMembers  []TeamMember
	Goals        []Goal
	GoalComments []GoalComment
	KeyResults   []KeyResult
	Checkins     []Checkin
	Confidence   []Confidence
	KRComments   []KRComment
	Tags         []Tag
	KRTags       []KRTag
	Alignments   []GoalAlignment
}

// Len returns the number of records of every kind in b.
func (b *Batch) Len() int {
	return len(b.Users) + len(b.Teams) + len(b.TeamMembers) + len(b.Goals) + len(b.GoalComments) +
		len(b.KeyResults) + len(b.Checkins) + len(b.Confidence) + len(b.KRComments) + len(b.Tags) + len(b.KRTags) + len(b.Alignments)
}

// Append appends o's records of every kind to b (for collecting a whole export in tests and
// tools; o is not changed).
func (b *Batch) Append(o *Batch) {
	b.Users = append(b.Users, o.Users...)
	b.Teams = append(b.Teams, o.Teams...)
	b.TeamMembers = append(b.TeamMembers, o.TeamMembers...)
	b.Goals = append(b.Goals, o.Goals...)
	b.GoalComments = append(b.GoalComments, o.GoalComments...)
	b.KeyResults = append(b.KeyResults, o.KeyResults...)
	b.Checkins = append(b.Checkins, o.Checkins...)
	b.Confidence = append(b.Confidence, o.Confidence...)
	b.KRComments = append(b.KRComments, o.KRComments...)
	b.Tags = append(b.Tags, o.Tags...)
	b.KRTags = append(b.KRTags, o.KRTags...)
	b.Alignments = append(b.Alignments, o.Alignments...)
}
