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

// Meta is carried by every record: when its page was received and from which request.
type Meta struct {
	ExtractedAt time.Time // when the HTTP response holding the record was received (UTC)
	Endpoint    string    // the request path and query, without credentials, e.g. "/goal?limit=100&offset=200"
}

// User is one WorkBoard user (GET /user?include=org_members). See the users table in schemas/.
type User struct {
	Meta
	UserID               int64
	UserName             Opt[string]
	Email                Opt[string]
	FirstName            Opt[string]
	LastName             Opt[string]
	WBEmail              Opt[string]
	CellNum              Opt[string]
	CreateAt             Opt[time.Time] // int or string epoch in the API
	LastVisitedAt        Opt[time.Time]
	Picture              Opt[string]
	TimeZone             Opt[string]
	ExternalID           Opt[string] // "" becomes not valid
	CreatedFrom          Opt[string]
	OrgID                Opt[int64]
	Status               Opt[string]
	OrgUserRoles         []string // split from the comma list; nil when absent/null
	Managers             []Manager
	IsReadOnly           Opt[bool]
	ProfileTitle         Opt[string]
	ProfileCompany       Opt[string]
	CustomAttributesJSON json.RawMessage // profile.custom_attributes verbatim, nil when null/absent
	Extra                Extra
}

// Manager is one entry of a user's manager list (manager: false decodes to no entries).
type Manager struct {
	UserID int64
	Role   string // "1" direct, "2" dotted
}

// Team is one team (GET /team?include=org_teams).
type Team struct {
	Meta
	TeamID        int64
	ExternalID    Opt[string]
	ParentTeamID  Opt[int64] // "0", "" and null are not valid (root team)
	DottedTeamIDs []int64
	TeamName      Opt[string]
	TeamOwner     Opt[int64]
	TeamType      Opt[string]
	Level         Opt[string]
	CreatedFrom   Opt[string]
	CreatedAt     Opt[time.Time]
	UpdatedAt     Opt[time.Time]
	TeamState     Opt[string]
	Extra         Extra
}

// TeamMember is one member of a team (GET /team/{id} team_members[]).
type TeamMember struct {
	Meta
	TeamID    int64
	UserID    int64
	FirstName Opt[string]
	LastName  Opt[string]
	Email     Opt[string]
	TeamRole  Opt[string]
	Extra     Extra
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
	Meta
	GoalID                int64
	GoalName              Opt[string]
	GoalNarrative         Opt[string]
	GoalType              Opt[IDName]
	GoalOwner             Opt[int64]
	GoalOwnerFullName     Opt[string]
	GoalCreateAt          Opt[time.Time]
	GoalModifiedAt        Opt[time.Time]
	GoalCreatedBy         Opt[int64]
	GoalUpdatedBy         Opt[int64]
	GoalStartDate         Opt[time.Time]
	GoalTargetDate        Opt[time.Time]
	GoalProgress          Opt[float64]
	GoalProgressColor     Opt[string]
	GoalStatus            Opt[string]
	GoalPermission        []string // split from the comma list
	GoalCategory          []IDName
	GoalWorkstreams       []IDName
	GoalTeamID            Opt[int64]
	GoalTeamName          Opt[string]
	GoalMetricsCount      Opt[int64]
	GoalCommentsCount     Opt[int64]
	GoalPermissionTeamIDs []int64         // goal_custom_permission.goal_permission_team_ids
	CustomAttributesJSON  json.RawMessage // custom_attributes verbatim, nil when null/absent
	MetricIDs             []int64         // ids in goal_metrics[], used to cross-check /metric
	Extra                 Extra
}

// GoalComment is one entry of a goal's goal_comments[].
type GoalComment struct {
	Meta
	CommentID          int64
	GoalID             int64
	CommentText        Opt[string]
	CommentOwner       Opt[int64]
	CommentOwnerName   Opt[string]
	CommentAddedAt     Opt[time.Time]
	CommentLastUpdated Opt[time.Time]
	Extra              Extra
}

// KeyResult is one key result (metric) from GET /metric?goal_id=G&include_metric_data=yes or
// GET /metric/{id}?include_metric_data=yes. Its history arrays are emitted as Checkin,
// Confidence and KRComment records.
type KeyResult struct {
	Meta
	MetricID                int64
	GoalID                  int64 // metric_goal_id
	MetricName              Opt[string]
	MetricOwner             Opt[int64]
	MetricRealOwner         Opt[int64]
	MetricUpdateInterval    Opt[IDName]
	MetricUpdateIntervalDay Opt[string]
	MetricUnit              Opt[IDName]
	MetricProgressType      Opt[IDName]
	MetricCountingType      Opt[IDName]
	MetricInitialData       Opt[float64]
	MetricTarget            Opt[float64]
	MetricAchieveTarget     Opt[float64]
	MetricProgress          Opt[float64]
	MetricProgressColor     Opt[string]
	MetricCreateAt          Opt[time.Time]
	MetricModifiedAt        Opt[time.Time]
	MetricCreatedBy         Opt[int64]
	MetricUpdatedBy         Opt[int64]
	MetricLastUpdate        Opt[time.Time]
	MetricNextUpdate        Opt[time.Time]
	MetricSourceFrom        Opt[string] // the numeric source code on /metric
	MetricStatus            Opt[string]
	MetricPermission        []string
	TargetDate              Opt[time.Time]
	MetricMITStartDate      Opt[time.Time]
	MetricMITEndDate        Opt[time.Time]
	MetricGoalSource        []int64
	MetricAutomationJSON    json.RawMessage // verbatim, nil when null/absent
	ChildKRJSON             json.RawMessage // verbatim, nil when null, absent or []
	Extra                   Extra
}

// Checkin is one metric_data[] slot of a key result.
type Checkin struct {
	Meta
	MetricDataID int64
	MetricID     int64
	GoalID       int64
	CreatedAt    Opt[time.Time] // metric_data_created_at: when the slot is due
	Value        Opt[float64]   // null for a missed check-in
	UpdatedAt    Opt[time.Time] // "0" → not valid
	CreatedBy    Opt[int64]     // "" → not valid
	Comment      Opt[string]
	Extra        Extra
}

// Confidence is one metric_confidence[] entry. Ordinal numbers entries that share
// (MetricID, ModifiedAt), 0-based, in API order.
type Confidence struct {
	Meta
	MetricID     int64
	ModifiedAt   time.Time
	Ordinal      int64
	GoalID       int64
	Confidence   Opt[string]
	Comment      Opt[string]
	MetricDataID Opt[int64]
	Extra        Extra
}

// KRComment is one metric_comments[] entry. Ordinal as for Confidence.
type KRComment struct {
	Meta
	MetricID   int64
	ModifiedAt time.Time
	Ordinal    int64
	GoalID     int64
	Comment    Opt[string]
	Extra      Extra
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
}

// Len returns the number of records of every kind in b.
func (b *Batch) Len() int {
	return len(b.Users) + len(b.Teams) + len(b.TeamMembers) + len(b.Goals) + len(b.GoalComments) +
		len(b.KeyResults) + len(b.Checkins) + len(b.Confidence) + len(b.KRComments)
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
}
