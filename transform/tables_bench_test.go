package transform_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/transform"
	"github.com/wbexport/wbexport/workboard"
)

// BenchmarkTransformTable measures every table's appender: each op is one row (ns/op and
// allocs/op are per row), fed as page-sized batches of 1,000 records and emitted as Arrow
// batches that are dropped. The allocator is checked: the run must not leak Arrow memory.
func BenchmarkTransformTable(b *testing.B) {
	const page = 1000
	batches := map[schemas.TableID]func(from, to int) *workboard.Batch{}
	users := make([]workboard.User, page)
	teams := make([]workboard.Team, page)
	members := make([]workboard.TeamMember, page)
	krs := make([]workboard.KeyResult, page)
	conf := make([]workboard.Confidence, page)
	krc := make([]workboard.KRComment, page)
	gcs := make([]workboard.GoalComment, page)
	tags := make([]workboard.Tag, page)
	krTags := make([]workboard.KRTag, page)
	aligns := make([]workboard.GoalAlignment, page)
	for k := 0; k < page; k++ {
		id := int64(100000 + k)
		users[k] = workboard.User{Meta: meta, UserID: id, UserName: s(fmt.Sprintf("user%d", k)), Email: s(fmt.Sprintf("user%d@example.com", k)),
			FirstName: s("Zoë"), LastName: s("Núñez"), WBEmail: s(fmt.Sprintf("user%d.x@inbox.example.test", k)), CreateAt: t(1600000001),
			LastVisitedAt: t(1700000001), Picture: s("https://example.com/p.png"), TimeZone: s("Europe/Berlin"), CreatedFrom: s("web"),
			OrgID: i(42), Status: s("1"), OrgUserRoles: []string{"6", "10"}, Managers: []workboard.Manager{{UserID: 101, Role: "1"}},
			IsReadOnly: workboard.Some(false), ProfileTitle: s("Engineer"), ProfileCompany: s("Example Corp"),
			CustomAttributesJSON: json.RawMessage(`[{"id":"7","name":"Site","value":"Berlin"}]`)}
		teams[k] = workboard.Team{Meta: meta, TeamID: id, ExternalID: s("EXT-1"), ParentTeamID: i(52005), DottedTeamIDs: []int64{52006, 52007},
			TeamName: s(fmt.Sprintf("Team %d", k)), TeamOwner: i(101), TeamType: s("functional"), Level: s("2"), CreatedFrom: s("web"),
			CreatedAt: t(1600000001), UpdatedAt: t(1600000002), TeamState: s("1")}
		members[k] = workboard.TeamMember{Meta: meta, TeamID: int64(52000 + k/20), UserID: id, FirstName: s("Ana"), LastName: s("Raman"),
			Email: s(fmt.Sprintf("user%d@example.com", k)), TeamRole: s("member")}
		krs[k] = workboard.KeyResult{Meta: meta, MetricID: id, GoalID: int64(90000 + k/3), MetricName: s(fmt.Sprintf("Weekly active users %d", k)),
			MetricOwner: i(101), MetricRealOwner: i(102), MetricUpdateInterval: workboard.Some(workboard.IDName{ID: "2", Name: "Weekly"}),
			MetricUpdateIntervalDay: s("Monday"), MetricUnit: workboard.Some(workboard.IDName{ID: "1", Name: "Number"}),
			MetricProgressType: workboard.Some(workboard.IDName{ID: "1", Name: "Last Update"}), MetricCountingType: workboard.Some(workboard.IDName{ID: "1", Name: "Counting Up"}),
			MetricInitialData: f(10), MetricTarget: f(100), MetricAchieveTarget: f(55.5), MetricProgress: f(50.56), MetricProgressColor: s("amber"),
			MetricCreateAt: t(1600000001), MetricModifiedAt: t(1600000002), MetricCreatedBy: i(101), MetricUpdatedBy: i(101),
			MetricLastUpdate: t(1600000003), MetricNextUpdate: t(1600000004), MetricSourceFrom: s("1"), MetricStatus: s("1"),
			MetricPermission: []string{"team", "internal"}, TargetDate: t(1600000005)}
		conf[k] = workboard.Confidence{Meta: meta, MetricID: int64(k / 4), ModifiedAt: ts(1600000000 + int64(k)), Ordinal: 0, GoalID: int64(k / 12),
			Confidence: s("2"), Comment: s("Risk: hiring freeze.")}
		krc[k] = workboard.KRComment{Meta: meta, MetricID: int64(k / 4), ModifiedAt: ts(1600000000 + int64(k)), GoalID: int64(k / 12), Comment: s("On track.")}
		gcs[k] = workboard.GoalComment{Meta: meta, CommentID: id, GoalID: int64(k / 2), CommentText: s("Two enterprise upsells slipped."),
			CommentOwner: i(101), CommentOwnerName: s("Ana Raman"), CommentAddedAt: t(1600000001), CommentLastUpdated: t(1600000002)}
		tags[k] = workboard.Tag{Meta: meta, TagID: id, TagName: s(fmt.Sprintf("tag %d", k)), TagStatus: s("1"), GroupID: i(7),
			GroupName: s("Themes"), GroupStatus: s("1"), CreatedDate: t(1600000001), CreatedBy: i(101), UpdatedDate: t(1600000002), UpdatedBy: i(101)}
		krTags[k] = workboard.KRTag{Meta: meta, MetricID: int64(k / 2), TagID: id, MetricName: s("Weekly active users"), TagName: s("Growth"),
			TagStatus: s("1"), GroupID: i(7), GroupName: s("Themes"), GroupStatus: s("1"), UpdatedDate: t(1600000002), UpdatedBy: i(101)}
		aligns[k] = workboard.GoalAlignment{AlignmentNode: workboard.AlignmentNode{Meta: meta, GoalID: id, ParentGoalID: i(id / 4),
			GoalName: s("Grow the enterprise segment"), GoalOwner: i(101), GoalTeamName: s("Sales"), GoalTargetDate: t(1600000005),
			GoalProgress: f(42.5), GoalProgressColor: s("green")}, Depth: 2, RootGoalID: id / 16, PathGoalIDs: []int64{id / 16, id / 4, id}}
	}
	goals, checkins := benchGoals(page), benchCheckins(page)
	batches[schemas.Users] = func(a, z int) *workboard.Batch { return &workboard.Batch{Users: users[a:z]} }
	batches[schemas.Teams] = func(a, z int) *workboard.Batch { return &workboard.Batch{Teams: teams[a:z]} }
	batches[schemas.TeamMembers] = func(a, z int) *workboard.Batch { return &workboard.Batch{TeamMembers: members[a:z]} }
	batches[schemas.Goals] = func(a, z int) *workboard.Batch { return &workboard.Batch{Goals: goals[a:z]} }
	batches[schemas.KeyResults] = func(a, z int) *workboard.Batch { return &workboard.Batch{KeyResults: krs[a:z]} }
	batches[schemas.KeyResultCheckins] = func(a, z int) *workboard.Batch { return &workboard.Batch{Checkins: checkins[a:z]} }
	batches[schemas.KeyResultConf] = func(a, z int) *workboard.Batch { return &workboard.Batch{Confidence: conf[a:z]} }
	batches[schemas.KeyResultComments] = func(a, z int) *workboard.Batch { return &workboard.Batch{KRComments: krc[a:z]} }
	batches[schemas.GoalComments] = func(a, z int) *workboard.Batch { return &workboard.Batch{GoalComments: gcs[a:z]} }
	batches[schemas.Tags] = func(a, z int) *workboard.Batch { return &workboard.Batch{Tags: tags[a:z]} }
	batches[schemas.KeyResultTags] = func(a, z int) *workboard.Batch { return &workboard.Batch{KRTags: krTags[a:z]} }
	batches[schemas.GoalAlignments] = func(a, z int) *workboard.Batch { return &workboard.Batch{Alignments: aligns[a:z]} }

	for _, tbl := range schemas.DataTables() {
		table, batch := tbl.Name, batches[tbl.Name]
		if batch == nil {
			b.Fatalf("no benchmark batch for table %s", table)
		}
		b.Run(string(table), func(b *testing.B) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			rows := int64(0)
			tr, err := transform.New(mem, lin, func(_ context.Context, _ schemas.TableID, rec arrowRec) error {
				rows += rec.NumRows()
				return nil
			}, transform.WithTables(table))
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for n := 0; n < b.N; n += page {
				if err := tr.Add(context.Background(), batch(0, min(page, b.N-n))); err != nil {
					b.Fatal(err)
				}
			}
			if err := tr.Flush(context.Background()); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			tr.Release()
			if rows != int64(b.N) {
				b.Fatalf("%s: %d rows emitted, want %d", table, rows, b.N)
			}
			mem.AssertSize(b, 0)
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
