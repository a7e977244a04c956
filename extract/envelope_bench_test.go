package extract

import (
	"strings"
	"testing"
)

// Benchmarks of the decoders not covered by bench_test.go: the envelope alone and the user and
// team pages. Each op is one page; rows/s counts the records a page yields.

// BenchmarkDecodeEnvelope measures the frame decoder alone (success, totalCount, data.<key>
// located and sliced, the resource left raw) over a 100-goal page and a 20-key-result page.
func BenchmarkDecodeEnvelope(b *testing.B) {
	for _, c := range []struct {
		name, key string
		body      []byte
	}{{"goals100", "goal", goalsPage100(b)}, {"metrics20", "metric", metricsPage20(b)}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.body)))
			b.ReportAllocs()
			for b.Loop() {
				env, err := DecodeEnvelope(c.body, c.key)
				if err != nil || env.Resource == nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// usersPage100 is a user listing page of 100 copies of the first org member of
// user_org_members_page1.json with distinct ids.
func usersPage100(b testing.TB) []byte {
	return synthPage(b, "user_by_id.json", "user", "user_id", 100, func(items string) string {
		return `{"success":true,"message":"","data":{"totalCount":"100000","user":[` + items + `]}}`
	})
}

// teamPage is GET /team/{id} with 50 members (team_by_id.json's members repeated).
func teamPage(b testing.TB) []byte {
	body := string(fixture(b, "team_by_id.json"))
	i := strings.Index(body, `"team_members"`)
	if i < 0 {
		b.Fatal("team_by_id.json: no team_members")
	}
	open := i + strings.Index(body[i:], "[")
	end := open + strings.Index(body[open:], "]")
	members := strings.TrimSpace(body[open+1 : end])
	var all []string
	for len(all) < 50 {
		all = append(all, members)
	}
	return []byte(body[:open+1] + strings.Join(all, ",") + body[end:])
}

func benchPage(b *testing.B, body []byte, decode func([]byte) (*Page, error), rows func(*Page) int) {
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		p, err := decode(body)
		if err != nil {
			b.Fatal(err)
		}
		n += rows(p)
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(max(n, 1)), "ns/row")
}

func BenchmarkDecodeUsersPage(b *testing.B) {
	benchPage(b, usersPage100(b), DecodeUsersPage, func(p *Page) int { return len(p.Users) })
}

func BenchmarkDecodeTeamPage(b *testing.B) {
	benchPage(b, teamPage(b), DecodeTeamsPage, func(p *Page) int { return len(p.Teams) + len(p.TeamMembers) })
}

func BenchmarkDecodeTeamsList(b *testing.B) {
	benchPage(b, fixture(b, "team_list.json"), DecodeTeamsPage, func(p *Page) int { return len(p.Teams) })
}
