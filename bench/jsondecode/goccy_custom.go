package jsondecode

import (
	"bytes"
	"encoding/json"
	"strconv"
	"time"
)

// The "goccy-fields" decoder measures the design issue #7 suggested for a goccy/go-json based
// extract decoder: wire structs whose leaf fields are small types implementing UnmarshalJSON
// and parsing the quirky raw value (number or numeric string, "" and null as absent, epoch
// seconds as string or number). goccy copies each such value before calling UnmarshalJSON
// (one allocation per field) and offers no way to collect unknown members, so this is still a
// lower bound: no Extra, no wrapper flattening, no error naming.

// rawText is the text of a JSON string or number value ("" for null).
func rawText(b []byte) []byte {
	b = bytes.TrimSpace(b)
	if len(b) >= 2 && b[0] == '"' {
		return b[1 : len(b)-1]
	}
	if string(b) == "null" {
		return nil
	}
	return b
}

// IDField is an id sent as a number or a numeric string.
type IDField struct {
	V     int64
	Valid bool
}

// UnmarshalJSON parses the raw value.
func (f *IDField) UnmarshalJSON(b []byte) error {
	t := rawText(b)
	if len(t) == 0 {
		*f = IDField{}
		return nil
	}
	n, err := strconv.ParseInt(string(t), 10, 64)
	if err != nil {
		return err
	}
	*f = IDField{n, true}
	return nil
}

// NumField is a decimal sent as a number or a numeric string.
type NumField struct {
	V     float64
	Valid bool
}

// UnmarshalJSON parses the raw value.
func (f *NumField) UnmarshalJSON(b []byte) error {
	t := rawText(b)
	if len(t) == 0 {
		*f = NumField{}
		return nil
	}
	v, err := strconv.ParseFloat(string(t), 64)
	if err != nil {
		return err
	}
	*f = NumField{v, true}
	return nil
}

// TimeField is epoch seconds as a number or a string; 0 is absent.
type TimeField struct {
	V     time.Time
	Valid bool
}

// UnmarshalJSON parses the raw value.
func (f *TimeField) UnmarshalJSON(b []byte) error {
	t := rawText(b)
	if len(t) == 0 || string(t) == "0" {
		*f = TimeField{}
		return nil
	}
	n, err := strconv.ParseInt(string(t), 10, 64)
	if err != nil {
		return err
	}
	*f = TimeField{time.Unix(n, 0).UTC(), true}
	return nil
}

// GoalsBodyF is GoalsBody with typed leaf fields.
type GoalsBodyF struct {
	Success bool `json:"success"`
	Data    struct {
		TotalCount IDField `json:"totalCount"`
		Goal       []struct {
			UserID      IDField `json:"user_id"`
			PeopleGoals []GoalF `json:"people_goals"`
			TeamGoals   []GoalF `json:"team_goals"`
		} `json:"goal"`
	} `json:"data"`
}

// GoalF is Goal with typed leaf fields.
type GoalF struct {
	GoalID            IDField   `json:"goal_id"`
	GoalName          string    `json:"goal_name"`
	GoalNarrative     string    `json:"goal_narrative"`
	GoalType          IDName    `json:"goal_type"`
	GoalOwner         IDField   `json:"goal_owner"`
	GoalCreateAt      TimeField `json:"goal_create_at"`
	GoalModifiedAt    TimeField `json:"goal_modified_at"`
	GoalCreatedBy     IDField   `json:"goal_created_by"`
	GoalUpdatedBy     IDField   `json:"goal_updated_by"`
	GoalStartDate     TimeField `json:"goal_start_date"`
	GoalTargetDate    TimeField `json:"goal_target_date"`
	GoalProgress      NumField  `json:"goal_progress"`
	GoalProgressColor string    `json:"goal_progress_color"`
	GoalStatus        string    `json:"goal_status"`
	GoalPermission    string    `json:"goal_permission"`
	GoalCategory      []IDName  `json:"goal_category"`
	GoalWorkstreams   []IDName  `json:"goal_workstreams"`
	GoalOwnerFullName string    `json:"goal_owner_full_name"`
	GoalTeamID        IDField   `json:"goal_team_id"`
	GoalTeamName      *string   `json:"goal_team_name"`
	GoalMetricsCount  IDField   `json:"goal_metrics_count"`
	GoalCommentsCount IDField   `json:"goal_comments_count"`
	GoalMetrics       []struct {
		MetricID IDField `json:"metric_id"`
	} `json:"goal_metrics"`
	GoalComments []struct {
		CommentID          IDField   `json:"comment_id"`
		CommentText        string    `json:"comment_text"`
		CommentOwner       IDField   `json:"comment_owner"`
		CommentOwnerName   string    `json:"comment_owner_name"`
		CommentAddedAt     TimeField `json:"comment_added_at"`
		CommentLastUpdated TimeField `json:"comment_last_updated"`
	} `json:"goal_comments"`
	CustomAttributes json.RawMessage `json:"custom_attributes"`
	CustomPermission struct {
		TeamIDs string `json:"goal_permission_team_ids"`
	} `json:"goal_custom_permission"`
}

// Count counts a decoded goals page.
func (b *GoalsBodyF) Count() Counts {
	var c Counts
	for _, w := range b.Data.Goal {
		for _, gs := range [][]GoalF{w.PeopleGoals, w.TeamGoals} {
			for _, g := range gs {
				c.Goals++
				c.GoalComments += len(g.GoalComments)
			}
		}
	}
	return c
}

// MetricsBodyF is MetricsBody with typed leaf fields.
type MetricsBodyF struct {
	Success bool `json:"success"`
	Data    struct {
		TotalCount IDField `json:"totalCount"`
		Metric     []struct {
			MetricID                IDField         `json:"metric_id"`
			MetricOwner             IDField         `json:"metric_owner"`
			MetricRealOwner         IDField         `json:"metric_real_owner"`
			MetricName              string          `json:"metric_name"`
			MetricUpdateInterval    IDName          `json:"metric_update_interval"`
			MetricUpdateIntervalDay string          `json:"metric_update_interval_day"`
			MetricUnit              IDName          `json:"metric_unit"`
			MetricProgressType      IDName          `json:"metric_progress_type"`
			MetricCountingType      IDName          `json:"metric_counting_type"`
			MetricInitialData       NumField        `json:"metric_initial_data"`
			MetricTarget            NumField        `json:"metric_target"`
			MetricAchieveTarget     NumField        `json:"metric_achieve_target"`
			MetricCreateAt          TimeField       `json:"metric_create_at"`
			MetricModifiedAt        TimeField       `json:"metric_modified_at"`
			MetricCreatedBy         IDField         `json:"metric_created_by"`
			MetricUpdatedBy         IDField         `json:"metric_updated_by"`
			MetricProgress          NumField        `json:"metric_progress"`
			MetricProgressColor     string          `json:"metric_progress_color"`
			MetricLastUpdate        TimeField       `json:"metric_last_update"`
			MetricNextUpdate        TimeField       `json:"metric_next_update"`
			MetricSourceFrom        string          `json:"metric_source_from"`
			MetricGoalID            IDField         `json:"metric_goal_id"`
			MetricStatus            string          `json:"metric_status"`
			MetricPermission        string          `json:"metric_permission"`
			TargetDate              TimeField       `json:"target_date"`
			MetricAutomation        json.RawMessage `json:"metric_automation"`
			ChildKR                 json.RawMessage `json:"child_kr"`
			MetricData              []struct {
				ID        IDField   `json:"metric_data_id"`
				Value     NumField  `json:"metric_data_value"`
				CreatedAt TimeField `json:"metric_data_created_at"`
				CreatedBy IDField   `json:"metric_data_created_by"`
				UpdatedAt TimeField `json:"metric_data_updated_at"`
				Comment   string    `json:"metric_data_comment"`
			} `json:"metric_data"`
			MetricConfidence []struct {
				Confidence   string    `json:"confidence"`
				Comment      string    `json:"comment"`
				ModifiedAt   TimeField `json:"modified_at"`
				MetricDataID IDField   `json:"metric_data_id"`
			} `json:"metric_confidence"`
			MetricComments []struct {
				Comment    string    `json:"comment"`
				ModifiedAt TimeField `json:"modified_at"`
			} `json:"metric_comments"`
		} `json:"metric"`
	} `json:"data"`
}

// Count counts a decoded metrics page.
func (b *MetricsBodyF) Count() Counts {
	var c Counts
	for _, k := range b.Data.Metric {
		c.KeyResults++
		c.Checkins += len(k.MetricData)
		c.Confidence += len(k.MetricConfidence)
		c.KRComments += len(k.MetricComments)
	}
	return c
}

func fieldsDecoder(name string, unmarshal func([]byte, any) error) Decoder {
	return Decoder{Name: name, Goals: func(b []byte) (Counts, error) {
		var v GoalsBodyF
		if err := unmarshal(b, &v); err != nil {
			return Counts{}, err
		}
		return v.Count(), nil
	}, Metrics: func(b []byte) (Counts, error) {
		var v MetricsBodyF
		if err := unmarshal(b, &v); err != nil {
			return Counts{}, err
		}
		return v.Count(), nil
	}}
}
