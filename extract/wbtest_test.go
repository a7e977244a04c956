package extract

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/workboard"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/wbexport/wbexport/workboard/wbtest"
)

// gather collects every emitted batch.
type gather struct {
	mu sync.Mutex
	b  workboard.Batch
}

func (g *gather) emit(_ context.Context, b *workboard.Batch) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.b.Append(b)
	return nil
}

func optStr(s string) workboard.Opt[string] {
	if s == "" {
		return workboard.Opt[string]{}
	}
	return workboard.Some(s)
}

func optID(n int64) workboard.Opt[int64] {
	if n == 0 {
		return workboard.Opt[int64]{}
	}
	return workboard.Some(n)
}

func optTime(sec int64) workboard.Opt[time.Time] {
	if sec == 0 {
		return workboard.Opt[time.Time]{}
	}
	return workboard.Some(time.Unix(sec, 0).UTC())
}

// diff accumulates mismatches so one run shows many of them.
type diff struct {
	t *testing.T
	n int
}

func (d *diff) check(ok bool, format string, args ...any) {
	if ok {
		return
	}
	d.n++
	if d.n <= 20 {
		d.t.Errorf(format, args...)
	}
}

// equal is check that got equals want, reporting the difference. Times compare by instant
// and zone (decoded times are UTC); a nil and an empty slice are equal.
func (d *diff) equal(what string, want, got any, opts ...cmp.Option) {
	opts = append(opts, exactTimes, cmpopts.EquateEmpty())
	if s := cmp.Diff(want, got, opts...); s != "" {
		d.check(false, "%s differs (-want +got):\n%s", what, s)
	}
}

// exactTimes makes cmp compare times by instant and zone; time.Time.Equal, which cmp uses
// otherwise, ignores the zone.
var exactTimes = cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) && a.Location() == b.Location() })

// The views below hold the fields of a record that compareOrg compares with the ground truth.
type (
	userView struct {
		Email, FirstName, LastName workboard.Opt[string]
		CreateAt, LastVisitedAt    workboard.Opt[time.Time]
		ExternalID                 workboard.Opt[string]
		HasCellNum                 bool
		IsReadOnly                 workboard.Opt[bool]
		ProfileTitle               workboard.Opt[string]
		OrgUserRoles               string // the comma list
		Managers                   []workboard.Manager
		Status                     workboard.Opt[string]
	}
	teamView struct {
		TeamName                   workboard.Opt[string]
		ParentTeamID, TeamOwner    workboard.Opt[int64]
		TeamType, Level, TeamState workboard.Opt[string]
		DottedTeamIDs              []int64
		CreatedAt                  workboard.Opt[time.Time]
	}
	goalView struct {
		GoalName                                                    workboard.Opt[string]
		GoalOwner                                                   workboard.Opt[int64]
		GoalStatus                                                  workboard.Opt[string]
		GoalProgress                                                workboard.Opt[float64]
		GoalProgressColor                                           workboard.Opt[string]
		GoalTeamID                                                  workboard.Opt[int64]
		GoalTeamName                                                workboard.Opt[string]
		GoalStartDate, GoalTargetDate, GoalCreateAt, GoalModifiedAt workboard.Opt[time.Time]
		GoalType                                                    workboard.Opt[workboard.IDName]
		GoalPermission                                              string // the comma list
		GoalCategory                                                []workboard.IDName
		MetricIDs                                                   []int64
		GoalPermissionTeamIDs                                       []int64
		HasCustomAttributes                                         bool // not null and not []
	}
	keyResultView struct {
		GoalID                                                               int64
		MetricName                                                           workboard.Opt[string]
		MetricTarget, MetricInitialData, MetricAchieveTarget, MetricProgress workboard.Opt[float64]
		MetricSourceFrom, MetricStatus                                       workboard.Opt[string]
		TargetDate, MetricLastUpdate, MetricNextUpdate                       workboard.Opt[time.Time]
		MetricOwner                                                          workboard.Opt[int64]
		MetricUnit                                                           workboard.Opt[workboard.IDName]
		HasAutomation                                                        bool
	}
	confidenceView struct {
		ModifiedAt          int64 // epoch seconds
		Confidence, Comment workboard.Opt[string]
		Ordinal, GoalID     int64
	}
	krCommentView struct {
		ModifiedAt int64 // epoch seconds
		Comment    workboard.Opt[string]
		Ordinal    int64
	}
	goalCommentView struct {
		CommentText                        workboard.Opt[string]
		CommentOwner                       workboard.Opt[int64]
		CommentAddedAt, CommentLastUpdated workboard.Opt[time.Time]
	}
	recordCounts struct{ KeyResults, Checkins, Confidence, KRComments int }
)

// TestExportEmulatedOrg exports a whole synthetic org through the emulator with ~10 % injected
// faults of every kind and compares every record kind with the emulator's ground truth.
func TestExportEmulatedOrg(t *testing.T) {
	org := wbtest.Generate(wbtest.OrgConfig{Seed: 11, Users: 40, Teams: 6, Goals: 300})
	ts := wbtest.Start(t, org, wbtest.WithFaults(wbtest.FaultConfig{Rate: 0.10, SlowDelay: 400 * time.Millisecond}))
	ex := newExporter(t, ts.BaseURL, ts.AdminToken, workboard.WithRate(200),
		workboard.WithBackoff(time.Millisecond, 5*time.Millisecond), workboard.WithMaxRetryAfter(20*time.Millisecond),
		workboard.WithRequestTimeout(150*time.Millisecond), workboard.WithMaxAttempts(8), WithPageSize(50))
	g := &gather{}
	rep, err := ex.Export(context.Background(), FullPlan(), g.emit)
	if err != nil {
		t.Fatalf("export: %v\nemulator: %v", err, ts.Emulator.Stats())
	}
	if ts.Emulator.Stats().TotalFaults() == 0 {
		t.Fatal("no faults were injected")
	}
	var retries int64
	for _, n := range rep.Retries {
		retries += n
	}
	if retries == 0 || len(rep.Skipped) != 0 {
		t.Fatalf("retries %v skipped %v", rep.Retries, rep.Skipped)
	}
	t.Logf("requests %d, retries %v, emulator %v", rep.Requests, rep.Retries, ts.Emulator.Stats())
	compareOrg(t, org, &g.b)
	for name, es := range rep.Endpoints {
		if es.Drift {
			t.Errorf("unexpected drift on %s: %+v", name, es)
		}
	}
}

// TestExportEmulatedDrift exports through the emulator's structure and paging drift: flat goal
// objects, string totalCount, overlapping goal pages and a clamped page size.
func TestExportEmulatedDrift(t *testing.T) {
	org := wbtest.Generate(wbtest.OrgConfig{Seed: 5, Users: 12, Teams: 3, Goals: 90})
	ts := wbtest.Start(t, org, wbtest.WithFlatGoals(), wbtest.WithTotalCountAsString(), wbtest.WithPageOverlap(3), wbtest.WithMaxLimit(20))
	ex := newExporter(t, ts.BaseURL, ts.AdminToken, workboard.WithRate(0), WithPageSize(50))
	g := &gather{}
	rep, err := ex.Export(context.Background(), FullPlan(), g.emit)
	if err != nil {
		t.Fatal(err)
	}
	compareOrg(t, org, &g.b)
	if rep.Endpoints["goals"].Duplicates == 0 {
		t.Errorf("overlapping pages should report duplicates: %+v", rep.Endpoints["goals"])
	}
}

func TestExportEmulatedPerKeyResult(t *testing.T) {
	org := wbtest.Generate(wbtest.OrgConfig{Seed: 3, Users: 8, Teams: 2, Goals: 20})
	ts := wbtest.Start(t, org)
	ex := newExporter(t, ts.BaseURL, ts.AdminToken, workboard.WithRate(0))
	g := &gather{}
	p := perKR(plan(t, schemas.KeyResults, schemas.KeyResultCheckins, schemas.KeyResultConf, schemas.KeyResultComments))
	if _, err := ex.Export(context.Background(), p, g.emit); err != nil {
		t.Fatal(err)
	}
	d := &diff{t: t}
	want := map[string]int{} // a multiset: entries may repeat
	n := 0
	for _, goal := range org.Goals {
		for _, kr := range goal.KeyResults {
			for _, cf := range kr.Confidence {
				want[fmt.Sprintf("%d/%d/%s/%d/%s", kr.ID, cf.ModifiedAt, cf.Value, cf.MetricDataID, cf.Comment)]++
				n++
			}
		}
	}
	for _, cf := range g.b.Confidence {
		k := fmt.Sprintf("%d/%d/%s/%d/%s", cf.MetricID, cf.ModifiedAt.Unix(), cf.Confidence.V, cf.MetricDataID.V, cf.Comment.V)
		d.check(want[k] > 0, "confidence %s not in ground truth", k)
		want[k]--
	}
	d.check(len(g.b.Confidence) == n && n > 0, "%d confidence entries, want %d", len(g.b.Confidence), n)
	if len(g.b.Goals) != 0 {
		t.Fatal("goals emitted without being planned")
	}
}

func compareOrg(t *testing.T, org *wbtest.Org, b *workboard.Batch) {
	t.Helper()
	d := &diff{t: t}

	users := map[int64]workboard.User{}
	for _, u := range b.Users {
		users[u.UserID] = u
	}
	d.check(len(users) == len(org.Users) && len(b.Users) == len(org.Users), "users: got %d (%d distinct), want %d", len(b.Users), len(users), len(org.Users))
	for _, w := range org.Users {
		u, ok := users[w.ID]
		if !d.n0(ok, "user %d missing", w.ID) {
			continue
		}
		var mgr []workboard.Manager
		for _, m := range w.Managers {
			mgr = append(mgr, workboard.Manager{UserID: m.UserID, Role: m.Role})
		}
		want := userView{Email: optStr(w.Email), FirstName: optStr(w.FirstName), LastName: optStr(w.LastName),
			CreateAt: optTime(w.CreateAt), LastVisitedAt: optTime(w.LastVisitedAt), ExternalID: optStr(w.ExternalID),
			HasCellNum: w.CellNum != nil && *w.CellNum != "", IsReadOnly: workboard.Some(w.IsReadOnly), ProfileTitle: optStr(w.Title),
			OrgUserRoles: w.OrgUserRoles, Managers: mgr, Status: optStr(w.Status)}
		got := userView{Email: u.Email, FirstName: u.FirstName, LastName: u.LastName, CreateAt: u.CreateAt, LastVisitedAt: u.LastVisitedAt,
			ExternalID: u.ExternalID, HasCellNum: u.CellNum.Valid, IsReadOnly: u.IsReadOnly, ProfileTitle: u.ProfileTitle,
			OrgUserRoles: strings.Join(u.OrgUserRoles, ","), Managers: u.Managers, Status: u.Status}
		d.equal(fmt.Sprintf("user %d", w.ID), want, got)
	}

	teams := map[int64]workboard.Team{}
	for _, tm := range b.Teams {
		teams[tm.TeamID] = tm
	}
	d.check(len(teams) == len(org.Teams) && len(b.Teams) == len(org.Teams), "teams: got %d, want %d", len(b.Teams), len(org.Teams))
	wantMembers := map[string]bool{}
	for _, w := range org.Teams {
		tm, ok := teams[w.ID]
		if d.n0(ok, "team %d missing", w.ID) {
			lvl := workboard.Opt[string]{}
			if w.Level != nil {
				lvl = optStr(*w.Level)
			}
			want := teamView{TeamName: optStr(w.Name), ParentTeamID: optID(w.ParentID), TeamOwner: optID(w.OwnerID), TeamType: optStr(w.Type),
				Level: lvl, TeamState: optStr(w.State), DottedTeamIDs: w.DottedTeamIDs, CreatedAt: optTime(w.CreatedAt)}
			got := teamView{TeamName: tm.TeamName, ParentTeamID: tm.ParentTeamID, TeamOwner: tm.TeamOwner, TeamType: tm.TeamType,
				Level: tm.Level, TeamState: tm.TeamState, DottedTeamIDs: tm.DottedTeamIDs, CreatedAt: tm.CreatedAt}
			d.equal(fmt.Sprintf("team %d", w.ID), want, got)
		}
		for _, m := range w.Members {
			wantMembers[fmt.Sprintf("%d/%d/%s", w.ID, m.UserID, m.Role)] = true
		}
	}
	for _, m := range b.TeamMembers {
		k := fmt.Sprintf("%d/%d/%s", m.TeamID, m.UserID, m.TeamRole.V)
		d.check(wantMembers[k], "team member %s not in ground truth", k)
		delete(wantMembers, k)
	}
	d.check(len(wantMembers) == 0, "%d team members missing", len(wantMembers))

	goals := map[int64]workboard.Goal{}
	for _, g := range b.Goals {
		goals[g.GoalID] = g
	}
	d.check(len(goals) == len(org.Goals) && len(b.Goals) == len(org.Goals), "goals: got %d (%d distinct), want %d", len(b.Goals), len(goals), len(org.Goals))
	wantComments := map[int64]wbtest.GoalComment{}
	krs := map[int64]workboard.KeyResult{}
	for _, k := range b.KeyResults {
		krs[k.MetricID] = k
	}
	checkins := map[int64]workboard.Checkin{}
	for _, c := range b.Checkins {
		checkins[c.MetricDataID] = c
	}
	d.check(len(checkins) == len(b.Checkins), "duplicate check-ins emitted")
	confByKR := map[int64][]workboard.Confidence{}
	for _, c := range b.Confidence {
		confByKR[c.MetricID] = append(confByKR[c.MetricID], c)
	}
	commByKR := map[int64][]workboard.KRComment{}
	for _, c := range b.KRComments {
		commByKR[c.MetricID] = append(commByKR[c.MetricID], c)
	}
	nKR, nCheckins, nConf, nComm := org.Counts()
	d.equal("record counts", recordCounts{KeyResults: nKR, Checkins: nCheckins, Confidence: nConf, KRComments: nComm},
		recordCounts{KeyResults: len(b.KeyResults), Checkins: len(b.Checkins), Confidence: len(b.Confidence), KRComments: len(b.KRComments)})

	for _, w := range org.Goals {
		for _, c := range w.Comments {
			wantComments[c.ID] = c
		}
		g, ok := goals[w.ID]
		if d.n0(ok, "goal %d missing", w.ID) {
			var cats []workboard.IDName
			for _, c := range w.Categories {
				cats = append(cats, workboard.IDName{ID: c.ID, Name: c.Name})
			}
			var mids []int64
			for _, k := range w.KeyResults {
				mids = append(mids, k.ID)
			}
			want := goalView{GoalName: optStr(w.Name), GoalOwner: optID(w.OwnerID), GoalStatus: optStr(w.Status),
				GoalProgress: workboard.Some(w.Progress), GoalProgressColor: optStr(w.ProgressColor),
				GoalTeamID: optID(w.TeamID), GoalTeamName: optStr(w.TeamName),
				GoalStartDate: optTime(w.StartDate), GoalTargetDate: optTime(w.TargetDate),
				GoalCreateAt: optTime(w.CreateAt), GoalModifiedAt: optTime(w.ModifiedAt),
				GoalType:       workboard.Some(workboard.IDName{ID: w.Type.ID, Name: w.Type.Name}),
				GoalPermission: w.Permission, GoalCategory: cats, MetricIDs: mids, GoalPermissionTeamIDs: w.PermissionTeamIDs,
				HasCustomAttributes: len(w.CustomAttributes) != 0}
			got := goalView{GoalName: g.GoalName, GoalOwner: g.GoalOwner, GoalStatus: g.GoalStatus,
				GoalProgress: g.GoalProgress, GoalProgressColor: g.GoalProgressColor,
				GoalTeamID: g.GoalTeamID, GoalTeamName: g.GoalTeamName,
				GoalStartDate: g.GoalStartDate, GoalTargetDate: g.GoalTargetDate,
				GoalCreateAt: g.GoalCreateAt, GoalModifiedAt: g.GoalModifiedAt,
				GoalType:       g.GoalType,
				GoalPermission: strings.Join(g.GoalPermission, ","), GoalCategory: g.GoalCategory, MetricIDs: g.MetricIDs,
				GoalPermissionTeamIDs: g.GoalPermissionTeamIDs,
				HasCustomAttributes:   g.CustomAttributesJSON != nil && string(g.CustomAttributesJSON) != "[]"}
			d.equal(fmt.Sprintf("goal %d", w.ID), want, got)
			for _, f := range w.Extra {
				var extra map[string]json.RawMessage
				_ = json.Unmarshal(g.Extra, &extra)
				d.check(extra != nil && string(extra[f.Name]) == compact(f.Value), "goal %d: extra field %s = %s not kept (Extra %s)", w.ID, f.Name, f.Value, g.Extra)
			}
		}
		for _, wk := range w.KeyResults {
			k, ok := krs[wk.ID]
			if !d.n0(ok, "key result %d missing", wk.ID) {
				continue
			}
			wantKR := keyResultView{GoalID: w.ID, MetricName: optStr(wk.Name), MetricTarget: workboard.Some(wk.Target),
				MetricInitialData: workboard.Some(wk.InitialData), MetricAchieveTarget: workboard.Some(wk.Achieved),
				MetricProgress: workboard.Some(wk.Progress), MetricSourceFrom: optStr(wk.SourceCode),
				MetricStatus: optStr(wk.Status), TargetDate: optTime(wk.TargetDate),
				MetricLastUpdate: optTime(wk.LastUpdate), MetricNextUpdate: optTime(wk.NextUpdate),
				MetricOwner: optID(wk.OwnerID), MetricUnit: workboard.Some(workboard.IDName{ID: wk.Unit.ID, Name: wk.Unit.Name}),
				HasAutomation: wk.AutomationJSON != ""}
			gotKR := keyResultView{GoalID: k.GoalID, MetricName: k.MetricName, MetricTarget: k.MetricTarget,
				MetricInitialData: k.MetricInitialData, MetricAchieveTarget: k.MetricAchieveTarget,
				MetricProgress: k.MetricProgress, MetricSourceFrom: k.MetricSourceFrom,
				MetricStatus: k.MetricStatus, TargetDate: k.TargetDate,
				MetricLastUpdate: k.MetricLastUpdate, MetricNextUpdate: k.MetricNextUpdate,
				MetricOwner: k.MetricOwner, MetricUnit: k.MetricUnit,
				HasAutomation: k.MetricAutomationJSON != nil}
			d.equal(fmt.Sprintf("key result %d", wk.ID), wantKR, gotKR)
			for _, md := range wk.MetricData {
				c, ok := checkins[md.ID]
				if !d.n0(ok, "check-in %d missing", md.ID) {
					continue
				}
				val := workboard.Opt[float64]{}
				if md.Value != nil {
					val = workboard.Some(*md.Value)
				}
				want := workboard.Checkin{MetricDataID: md.ID, MetricID: wk.ID, GoalID: w.ID, CreatedAt: optTime(md.CreatedAt), Value: val,
					UpdatedAt: optTime(md.UpdatedAt), CreatedBy: optID(md.CreatedBy), Comment: optStr(md.Comment)}
				d.equal(fmt.Sprintf("check-in %d", md.ID), want, c, cmpopts.IgnoreFields(workboard.Checkin{}, "Meta", "Extra"))
			}
			got := confByKR[wk.ID]
			if d.n0(len(got) == len(wk.Confidence), "key result %d: %d confidence entries, want %d", wk.ID, len(got), len(wk.Confidence)) {
				ord := map[int64]int64{}
				for i, wc := range wk.Confidence {
					gc := got[i]
					d.equal(fmt.Sprintf("key result %d confidence %d", wk.ID, i),
						confidenceView{ModifiedAt: wc.ModifiedAt, Confidence: optStr(wc.Value), Comment: optStr(wc.Comment), Ordinal: ord[wc.ModifiedAt], GoalID: w.ID},
						confidenceView{ModifiedAt: gc.ModifiedAt.Unix(), Confidence: gc.Confidence, Comment: gc.Comment, Ordinal: gc.Ordinal, GoalID: gc.GoalID})
					ord[wc.ModifiedAt]++
				}
			}
			gotC := commByKR[wk.ID]
			if d.n0(len(gotC) == len(wk.Comments), "key result %d: %d comments, want %d", wk.ID, len(gotC), len(wk.Comments)) {
				ord := map[int64]int64{}
				for i, wc := range wk.Comments {
					gc := gotC[i]
					d.equal(fmt.Sprintf("key result %d comment %d", wk.ID, i),
						krCommentView{ModifiedAt: wc.ModifiedAt, Comment: optStr(wc.Comment), Ordinal: ord[wc.ModifiedAt]},
						krCommentView{ModifiedAt: gc.ModifiedAt.Unix(), Comment: gc.Comment, Ordinal: gc.Ordinal})
					ord[wc.ModifiedAt]++
				}
			}
		}
	}
	d.check(len(b.GoalComments) == len(wantComments), "goal comments: got %d, want %d", len(b.GoalComments), len(wantComments))
	for _, c := range b.GoalComments {
		w, ok := wantComments[c.CommentID]
		if !d.n0(ok, "goal comment %d not in ground truth", c.CommentID) {
			continue
		}
		d.equal(fmt.Sprintf("goal comment %d", c.CommentID),
			goalCommentView{CommentText: optStr(w.Text), CommentOwner: optID(w.OwnerID), CommentAddedAt: optTime(w.AddedAt), CommentLastUpdated: optTime(w.LastUpdated)},
			goalCommentView{CommentText: c.CommentText, CommentOwner: c.CommentOwner, CommentAddedAt: c.CommentAddedAt, CommentLastUpdated: c.CommentLastUpdated})
	}
	if d.n > 20 {
		t.Errorf("... %d mismatches in total", d.n)
	}
}

// n0 is check that also returns ok, for guarding follow-up comparisons.
func (d *diff) n0(ok bool, format string, args ...any) bool {
	d.check(ok, format, args...)
	return ok
}

func compact(v json.RawMessage) string {
	var out strings.Builder
	var x any
	if json.Unmarshal(v, &x) != nil {
		return string(v)
	}
	b, _ := json.Marshal(x)
	out.Write(b)
	return out.String()
}

// TestExportEmulatedHardFaults injects only the faults that hit the transport (slow answers
// beyond the client timeout, connection resets, truncated bodies, HTML proxy pages).
func TestExportEmulatedHardFaults(t *testing.T) {
	org := wbtest.Generate(wbtest.OrgConfig{Seed: 21, Users: 10, Teams: 3, Goals: 30})
	ts := wbtest.Start(t, org, wbtest.WithFaults(wbtest.FaultConfig{Rate: 0.3, SlowDelay: 500 * time.Millisecond,
		Kinds: []wbtest.FaultKind{wbtest.FaultSlow, wbtest.FaultReset, wbtest.FaultTruncated, wbtest.FaultHTML}}))
	ex := newExporter(t, ts.BaseURL, ts.AdminToken, workboard.WithRate(0),
		workboard.WithBackoff(time.Millisecond, 5*time.Millisecond), workboard.WithRequestTimeout(100*time.Millisecond),
		workboard.WithMaxAttempts(8), WithPageSize(7))
	g := &gather{}
	rep, err := ex.Export(context.Background(), FullPlan(), g.emit)
	if err != nil {
		t.Fatalf("export: %v\nemulator: %v", err, ts.Emulator.Stats())
	}
	if rep.Retries["timeout"] == 0 || rep.Retries["truncated"] == 0 || rep.Retries["5xx"] == 0 {
		t.Fatalf("retries %v, emulator %v", rep.Retries, ts.Emulator.Stats())
	}
	compareOrg(t, org, &g.b)
}

func TestEmulatedTokens(t *testing.T) {
	org := wbtest.Generate(wbtest.OrgConfig{Seed: 2, Users: 5, Teams: 2, Goals: 5})
	ts := wbtest.Start(t, org)
	tests := []struct {
		name      string
		token     string
		exportErr error
		checkErr  error
		dataAdmin bool
	}{
		{"admin", ts.AdminToken, nil, nil, true},
		{"ordinary user", ts.UserToken, workboard.ErrDataAdmin, nil, false},
		{"invalid", "not-a-valid-token-0000", workboard.ErrAuth, workboard.ErrAuth, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ex := newExporter(t, ts.BaseURL, tc.token, workboard.WithRate(0))
			_, err := ex.Export(context.Background(), plan(t, schemas.Users), (&gather{}).emit)
			if (tc.exportErr == nil) != (err == nil) || (tc.exportErr != nil && !errors.Is(err, tc.exportErr)) {
				t.Fatalf("export err %v, want %v", err, tc.exportErr)
			}
			if err != nil && strings.Contains(err.Error(), tc.token) {
				t.Fatal("token in error")
			}
			res, err := Check(context.Background(), ex.Client())
			if tc.checkErr != nil {
				if !errors.Is(err, tc.checkErr) {
					t.Fatalf("check err %v", err)
				}
				return
			}
			if err != nil || res.DataAdmin != tc.dataAdmin || res.UserID == 0 {
				t.Fatalf("check %+v %v", res, err)
			}
		})
	}
	cr := ts.Emulator.Credentials()
	tok, err := workboard.ExchangeCode(context.Background(), workboard.ExchangeRequest{
		TokenURL: strings.TrimSuffix(ts.BaseURL, "/apis") + "/oauth/token", ClientID: cr.ClientID,
		ClientHash: workboard.NewSecret(cr.ClientHash), Code: cr.AdminCode, RedirectURI: "http://localhost/cb", State: "s"})
	if err != nil || tok.AccessToken.Reveal() != cr.AdminToken {
		t.Fatalf("exchange: %v", err)
	}
	_, err = workboard.ExchangeCode(context.Background(), workboard.ExchangeRequest{
		TokenURL: strings.TrimSuffix(ts.BaseURL, "/apis") + "/oauth/token", ClientID: cr.ClientID,
		ClientHash: workboard.NewSecret("wrong-hash-123456"), Code: cr.AdminCode})
	if err == nil || strings.Contains(err.Error(), "wrong-hash-123456") {
		t.Fatalf("bad hash: %v", err)
	}
}

// BenchmarkExportEmulated exports a 500-goal org through the emulator over loopback HTTP
// (client and server share the CPU, so this measures the whole path, not the API).
func BenchmarkExportEmulated(b *testing.B) {
	org := wbtest.Generate(wbtest.OrgConfig{Seed: 1, Users: 50, Teams: 8, Goals: 500})
	ts := wbtest.Start(b, org)
	ex := newExporter(b, ts.BaseURL, ts.AdminToken, workboard.WithRate(0))
	b.ReportAllocs()
	var rows int64
	for b.Loop() {
		rep, err := ex.Export(context.Background(), FullPlan(), func(context.Context, *workboard.Batch) error { return nil })
		if err != nil {
			b.Fatal(err)
		}
		rows = 0
		for _, n := range rep.Rows {
			rows += n
		}
	}
	b.ReportMetric(float64(rows), "rows/op")
}

// Goals created or deleted while the client pages through GET /goal: the listing is flagged as
// drifted (and listed again), never silently short.
func TestExportEmulatedGoalDrift(t *testing.T) {
	for _, n := range []int{5, -5} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			org := wbtest.Generate(wbtest.OrgConfig{Seed: 8, Users: 10, Teams: 2, Goals: 60})
			ts := wbtest.Start(t, org, wbtest.WithGoalDrift(n))
			ex := newExporter(t, ts.BaseURL, ts.AdminToken, workboard.WithRate(0), WithPageSize(20))
			g := &gather{}
			rep, err := ex.Export(context.Background(), plan(t, schemas.Goals), g.emit)
			if err != nil {
				t.Fatal(err)
			}
			es := rep.Endpoints["goals"]
			if !es.Drift || !strings.Contains(strings.Join(rep.Warnings, "\n"), "listed again") {
				t.Fatalf("drift not reported: %+v %q", es, rep.Warnings)
			}
			got := map[int64]bool{}
			for _, goal := range g.b.Goals {
				got[goal.GoalID] = true
			}
			missing := 0
			for _, goal := range org.Goals {
				if !got[goal.ID] {
					missing++
				}
			}
			t.Logf("drift %d: fetched %d distinct goals of %d (+%d new), %d originals missing, stats %+v",
				n, len(got), len(org.Goals), len(ts.Emulator.DriftGoals()), missing, es)
			// Deleted goals were served on the first page before they went away, and listing
			// again finds the goals the shifted pages skipped: nothing of the org is missing.
			if missing != 0 {
				t.Fatalf("drift %d lost %d existing goals", n, missing)
			}
			if int64(len(got)) != es.Fetched {
				t.Fatalf("report says %d fetched, emitted %d", es.Fetched, len(got))
			}
		})
	}
}
