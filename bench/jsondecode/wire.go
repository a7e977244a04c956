// Package jsondecode compares wbexport's page decoders (extract.DecodeGoalsPage,
// extract.DecodeMetricsPage: a hand-written scanner producing typed records) with
// general-purpose JSON libraries decoding the same emulator pages into plain Go structs:
// encoding/json, github.com/goccy/go-json and, when built with GOEXPERIMENT=jsonv2,
// encoding/json/v2.
//
// The structs below mirror the wire (every value a string, as WorkBoard sends it), so the
// library numbers are a lower bound for a decoder built on them: they skip what the extract
// decoders also do — parsing numeric strings and epoch timestamps, flattening wrappers,
// emitting child records and keeping unknown fields in Extra. The package holds no production
// code; it exists for its benchmarks (docs/benchmarks.md).
package jsondecode

import "encoding/json"

// IDName is an {id, name} pair.
type IDName struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// GoalsBody is GET /goal?... (people_goals wrappers).
type GoalsBody struct {
	Success bool   `json:"success"`
	Message string `json:"message"`
	Data    struct {
		TotalCount int64 `json:"totalCount"`
		Goal       []struct {
			UserID        string `json:"user_id"`
			UserEmail     string `json:"user_email"`
			UserFirstName string `json:"user_first_name"`
			UserLastName  string `json:"user_last_name"`
			PeopleGoals   []Goal `json:"people_goals"`
			TeamGoals     []Goal `json:"team_goals"`
		} `json:"goal"`
	} `json:"data"`
}

// Goal is one goal object of a /goal page.
type Goal struct {
	GoalID            string          `json:"goal_id"`
	GoalName          string          `json:"goal_name"`
	GoalNarrative     string          `json:"goal_narrative"`
	GoalType          IDName          `json:"goal_type"`
	GoalOwner         string          `json:"goal_owner"`
	GoalCreateAt      string          `json:"goal_create_at"`
	GoalModifiedAt    string          `json:"goal_modified_at"`
	GoalCreatedBy     string          `json:"goal_created_by"`
	GoalUpdatedBy     string          `json:"goal_updated_by"`
	GoalStartDate     string          `json:"goal_start_date"`
	GoalTargetDate    string          `json:"goal_target_date"`
	GoalProgress      string          `json:"goal_progress"`
	GoalProgressColor string          `json:"goal_progress_color"`
	GoalStatus        string          `json:"goal_status"`
	GoalPermission    string          `json:"goal_permission"`
	GoalCategory      []IDName        `json:"goal_category"`
	GoalWorkstreams   []IDName        `json:"goal_workstreams"`
	GoalOwnerFullName string          `json:"goal_owner_full_name"`
	GoalTeamID        *string         `json:"goal_team_id"`
	GoalTeamName      *string         `json:"goal_team_name"`
	GoalMetricsCount  string          `json:"goal_metrics_count"`
	GoalCommentsCount string          `json:"goal_comments_count"`
	GoalMetrics       []KeyResult     `json:"goal_metrics"`
	GoalComments      []GoalComment   `json:"goal_comments"`
	CustomAttributes  json.RawMessage `json:"custom_attributes"`
	CustomPermission  struct {
		TeamIDs string `json:"goal_permission_team_ids"`
	} `json:"goal_custom_permission"`
	BetaFlag *bool `json:"beta_flag"`
}

// GoalComment is one goal_comments[] entry.
type GoalComment struct {
	CommentID          string `json:"comment_id"`
	CommentText        string `json:"comment_text"`
	CommentOwner       string `json:"comment_owner"`
	CommentOwnerName   string `json:"comment_owner_name"`
	CommentAddedAt     string `json:"comment_added_at"`
	CommentLastUpdated string `json:"comment_last_updated"`
}

// MetricsBody is GET /metric?goal_id=G&include_metric_data=yes.
type MetricsBody struct {
	Success bool   `json:"success"`
	Message string `json:"message"`
	Data    struct {
		TotalCount int64       `json:"totalCount"`
		Metric     []KeyResult `json:"metric"`
	} `json:"data"`
}

// KeyResult is one key result (also the goal_metrics[] stubs of a goal).
type KeyResult struct {
	MetricID                string          `json:"metric_id"`
	MetricOwner             string          `json:"metric_owner"`
	MetricRealOwner         string          `json:"metric_real_owner"`
	MetricName              string          `json:"metric_name"`
	MetricUpdateInterval    IDName          `json:"metric_update_interval"`
	MetricUpdateIntervalDay string          `json:"metric_update_interval_day"`
	MetricUnit              IDName          `json:"metric_unit"`
	MetricProgressType      IDName          `json:"metric_progress_type"`
	MetricCountingType      IDName          `json:"metric_counting_type"`
	MetricInitialData       string          `json:"metric_initial_data"`
	MetricTarget            string          `json:"metric_target"`
	MetricAchieveTarget     string          `json:"metric_achieve_target"`
	MetricCreateAt          string          `json:"metric_create_at"`
	MetricModifiedAt        string          `json:"metric_modified_at"`
	MetricCreatedBy         string          `json:"metric_created_by"`
	MetricUpdatedBy         string          `json:"metric_updated_by"`
	MetricProgress          string          `json:"metric_progress"`
	MetricProgressColor     string          `json:"metric_progress_color"`
	MetricLastUpdate        string          `json:"metric_last_update"`
	MetricNextUpdate        string          `json:"metric_next_update"`
	MetricSourceFrom        string          `json:"metric_source_from"`
	MetricSourceFromID      string          `json:"metric_source_from_id"`
	MetricGoalID            string          `json:"metric_goal_id"`
	MetricStatus            string          `json:"metric_status"`
	MetricPermission        string          `json:"metric_permission"`
	TargetDate              string          `json:"target_date"`
	MetricAutomation        json.RawMessage `json:"metric_automation"`
	ChildKR                 json.RawMessage `json:"child_kr"`
	MetricData              []MetricData    `json:"metric_data"`
	MetricConfidence        []Confidence    `json:"metric_confidence"`
	MetricComments          []KRComment     `json:"metric_comments"`
}

// MetricData is one metric_data[] check-in slot.
type MetricData struct {
	ID        string  `json:"metric_data_id"`
	Value     *string `json:"metric_data_value"`
	CreatedAt string  `json:"metric_data_created_at"`
	CreatedBy string  `json:"metric_data_created_by"`
	UpdatedAt string  `json:"metric_data_updated_at"`
	Comment   string  `json:"metric_data_comment"`
}

// Confidence is one metric_confidence[] entry.
type Confidence struct {
	Confidence   string `json:"confidence"`
	Comment      string `json:"comment"`
	ModifiedAt   string `json:"modified_at"`
	MetricDataID int64  `json:"metric_data_id"`
}

// KRComment is one metric_comments[] entry.
type KRComment struct {
	Comment    string `json:"comment"`
	ModifiedAt string `json:"modified_at"`
}

// Counts are what a decoded page holds, to check that every decoder saw the same data.
type Counts struct{ Goals, GoalComments, KeyResults, Checkins, Confidence, KRComments int }

// Count counts a decoded goals page.
func (b *GoalsBody) Count() Counts {
	var c Counts
	for _, w := range b.Data.Goal {
		for _, gs := range [][]Goal{w.PeopleGoals, w.TeamGoals} {
			for _, g := range gs {
				c.Goals++
				c.GoalComments += len(g.GoalComments)
			}
		}
	}
	return c
}

// Count counts a decoded metrics page.
func (b *MetricsBody) Count() Counts {
	var c Counts
	for _, k := range b.Data.Metric {
		c.KeyResults++
		c.Checkins += len(k.MetricData)
		c.Confidence += len(k.MetricConfidence)
		c.KRComments += len(k.MetricComments)
	}
	return c
}
