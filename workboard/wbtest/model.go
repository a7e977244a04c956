package wbtest

import (
	"encoding/json"
	"time"
)

// Org is a generated WorkBoard organisation as of one instant (AsOf). It is immutable once
// returned by Generate or At; a Server never modifies it, so one Org may back several servers.
type Org struct {
	Config OrgConfig // the configuration after defaults were applied
	ID     int64     // org_id
	Name   string    // company name used in user profiles
	AsOf   time.Time // the instant the org's state is taken at (UTC)

	// AdminUserID is the user of the Data-Admin token (org-wide API rights).
	AdminUserID int64
	// TokenUserID is the user of the ordinary (non-admin) token. It owns at least one goal
	// and one key result, so its scoped views are never empty when Goals > 0.
	TokenUserID int64

	Users []*User // in user_id order
	Teams []*Team // in team_id order
	Goals []*Goal // in goal_id order; every goal that exists (active and closed)
	Tags  []*Tag  // in id order (GET /tags); key results name theirs in KeyResult.TagIDs

	plan  *orgPlan
	users map[int64]*User
	teams map[int64]*Team
	goals map[int64]*Goal
	krs   map[int64]*KeyResult
}

// User is one WorkBoard user. Fields map 1:1 to the API's user object (API reference §6.1).
type User struct {
	ID            int64
	UserName      string
	Email         string
	FirstName     string
	LastName      string
	WBEmail       string
	CellNum       *string // nil → JSON null
	CreateAt      int64   // epoch seconds; sent as an integer, a string under include=org_members
	LastVisitedAt int64   // epoch seconds, never after AsOf
	Picture       string
	TimeZone      string
	ExternalID    string // "" when unset (sent as "")
	CreatedFrom   string
	Status        string
	// OrgUserRoles is the comma list of org role ids sent under include=org_members
	// ("6", "6,10", ...); "" is sent as JSON null.
	OrgUserRoles string
	// Managers is nil when the user has no manager (sent as manager: false).
	Managers         []Manager
	IsReadOnly       bool
	Title            string
	Company          string
	CustomAttributes []UserAttribute // profile.custom_attributes (only with custom_attributes=1)
	DataAdmin        bool            // org role 10
}

// FullName is "First Last" as WorkBoard shows it in goal_owner_full_name.
func (u *User) FullName() string { return u.FirstName + " " + u.LastName }

// Manager is one entry of a user's manager array.
type Manager struct {
	UserID int64
	Role   string // "1" direct, "2" dotted
}

// UserAttribute is one profile.custom_attributes[] entry (all values are strings on the wire).
type UserAttribute struct {
	ID    int64
	Name  string
	Value string
}

// Team is one WorkBoard team (API reference §6.2).
type Team struct {
	ID            int64
	ExternalID    string // "" when unset
	ParentID      int64  // 0 for a root team (sent as "0")
	DottedTeamIDs []int64
	Name          string
	OwnerID       int64
	Type          string  // "functional" or "working_group"
	Level         *string // nil → null (working groups)
	CreatedFrom   string
	CreatedAt     int64
	UpdatedAt     int64
	State         string // "1" active, "0" archived
	Members       []TeamMember
}

// TeamMember is one team_members[] entry of GET /team/{id}.
type TeamMember struct {
	UserID int64
	Role   string // manager, co_manager, exec_viewer, team_admin, member
}

// IDName is an {id, name} pair (goal_type, goal_category[], metric_unit, ...). Ids are
// strings on the wire.
type IDName struct {
	ID   string
	Name string
}

// Goal is one goal (objective) as of Org.AsOf (API reference §6.3).
type Goal struct {
	ID int64
	// ParentID is the goal this one is aligned to (GET /goal/{id}/alignment); 0 when it is
	// not aligned. The alignments form a forest at most three levels deep.
	ParentID      int64
	Name          string
	Narrative     string
	Type          IDName // {"1","Team"} or {"2","Individual"}
	OwnerID       int64
	OwnerFullName string
	CreateAt      int64
	ModifiedAt    int64 // latest change as of AsOf
	CreatedBy     int64
	UpdatedBy     int64
	StartDate     int64
	TargetDate    int64
	// Progress is the average of the key results' Progress, rounded to 2 decimals
	// (0 when the goal has no key results).
	Progress      float64
	ProgressColor string // see ColorFor
	Status        string // "1" active, "2" closed
	Permission    string // comma list, e.g. "team,report,internal" or "owner,manager"
	Categories    []IDName
	Workstreams   []IDName
	// TeamID is 0 for a personal goal: goal_team_id and goal_team_name are then null.
	TeamID   int64
	TeamName string
	// KeyResults are the goal's KRs in metric_id order.
	KeyResults []*KeyResult
	// Comments are the goal_comments[] entries visible as of AsOf.
	Comments         []GoalComment
	CustomAttributes []GoalAttribute // custom_attributes[] (only with custom_attributes=1)
	// PermissionTeamIDs is goal_custom_permission.goal_permission_team_ids (include=custom_permission).
	PermissionTeamIDs []int64
	// Extra lists undocumented fields the goal object carries (e.g. "beta_flag" on a few
	// goals), in wire order; values are JSON text. A client should keep them as unknown fields.
	Extra []RawField
}

// GoalAttribute is one goal custom_attributes[] entry.
type GoalAttribute struct {
	ID     int64
	Name   string
	Value  string
	Status string
}

// GoalComment is one goal_comments[] entry.
type GoalComment struct {
	ID          int64
	Text        string
	OwnerID     int64
	OwnerName   string
	AddedAt     int64
	LastUpdated int64
}

// RawField is a JSON member: Name and its value as JSON text.
type RawField struct {
	Name  string
	Value json.RawMessage
}

// KeyResult is one key result (metric) as of Org.AsOf (API reference §6.4, §6.5).
type KeyResult struct {
	ID             int64
	GoalID         int64
	OwnerID        int64 // metric_owner
	RealOwnerID    int64 // metric_real_owner
	Name           string
	Interval       IDName // metric_update_interval
	IntervalDay    string // metric_update_interval_day ("" when not weekly)
	Unit           IDName
	ProgressType   IDName // "1" last update, "2" total, "3" average
	CountingType   IDName // "1" up, "2" down, "3" exact
	InitialData    float64
	Target         float64
	Achieved       float64 // metric_achieve_target, derived from MetricData per ProgressType
	Progress       float64 // percent, 2 decimals, derived from InitialData/Target/Achieved
	ProgressColor  string
	CreateAt       int64
	ModifiedAt     int64
	CreatedBy      int64
	UpdatedBy      int64
	LastUpdate     int64  // time of the latest entered value; 0 = never (sent as "0")
	NextUpdate     int64  // next due slot after AsOf
	SourceCode     string // metric_source_from on /metric, metric_source_from_id on /goal
	SourceText     string // metric_source_from on /goal (human readable)
	Status         string // metric_status: "1" active, "2" closed
	Permission     string
	TargetDate     int64  // target_date (undocumented field seen on /metric objects)
	AutomationJSON string // metric_automation as JSON text; "" → null
	// TagIDs are the ids of the key result's tags (GET /metric/krtags), in Org.Tags order.
	TagIDs []int64
	// MetricData are the check-in slots due before AsOf, in due order.
	MetricData []MetricData
	// Confidence is the metric_confidence[] history as of AsOf, in order. Some entries share
	// the same ModifiedAt.
	Confidence []Confidence
	// Comments is metric_comments[] as of AsOf.
	Comments []KRComment
}

// MetricData is one metric_data[] row (a scheduled check-in slot).
type MetricData struct {
	ID        int64
	Value     *float64 // nil → null: a missed (or not yet entered) check-in
	CreatedAt int64    // when the slot is due
	CreatedBy int64    // 0 → "" (nobody entered a value)
	UpdatedAt int64    // when the value was entered; 0 → "0" (never)
	Comment   string
}

// Confidence is one metric_confidence[] entry.
type Confidence struct {
	Value        string // "0".."3"
	Comment      string
	ModifiedAt   int64
	MetricDataID int64 // sent (as a JSON integer) only on /metric/{id}
}

// KRComment is one metric_comments[] entry.
type KRComment struct {
	Comment    string
	ModifiedAt int64
}

// User returns the user with that id, or nil.
func (o *Org) User(id int64) *User { return o.users[id] }

// Team returns the team with that id, or nil.
func (o *Org) Team(id int64) *Team { return o.teams[id] }

// Goal returns the goal with that id, or nil.
func (o *Org) Goal(id int64) *Goal { return o.goals[id] }

// KeyResult returns the key result with that id, or nil.
func (o *Org) KeyResult(id int64) *KeyResult { return o.krs[id] }

// Counts reports how many key results, metric_data rows, confidence entries and KR comments
// the org holds as of AsOf.
func (o *Org) Counts() (krs, checkins, confidence, krComments int) {
	for _, g := range o.Goals {
		for _, k := range g.KeyResults {
			krs++
			checkins += len(k.MetricData)
			confidence += len(k.Confidence)
			krComments += len(k.Comments)
		}
	}
	return
}

// index builds the lookup maps behind User, Team, Goal and KeyResult.
func (o *Org) index() {
	o.users = make(map[int64]*User, len(o.Users))
	for _, u := range o.Users {
		o.users[u.ID] = u
	}
	o.teams = make(map[int64]*Team, len(o.Teams))
	for _, t := range o.Teams {
		o.teams[t.ID] = t
	}
	o.goals = make(map[int64]*Goal, len(o.Goals))
	o.krs = make(map[int64]*KeyResult)
	for _, g := range o.Goals {
		o.goals[g.ID] = g
		for _, k := range g.KeyResults {
			o.krs[k.ID] = k
		}
	}
}

// Tag is one tag of GET /tags. Every id and date is a string on the wire; UpdatedDate and
// UpdatedBy are null when 0 on /tags, and the creation's on /metric/krtags.
type Tag struct {
	ID          int64
	Name        string
	Status      string // "1" active, "2" archived (an integer on /metric/tags)
	GroupID     int64
	GroupName   string
	GroupStatus string
	CreatedDate int64
	CreatedBy   int64
	UpdatedDate int64
	UpdatedBy   int64
}

// Tag returns the tag with the given id, or nil.
func (o *Org) Tag(id int64) *Tag {
	for _, t := range o.Tags {
		if t.ID == id {
			return t
		}
	}
	return nil
}
