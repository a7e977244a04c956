package wbtest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/wbexport/wbexport/workboard/wbtest"
)

// Serve a generated organisation and read one page of goals with a plain HTTP client.
func Example() {
	org := wbtest.Generate(wbtest.OrgConfig{Seed: 1, Users: 20, Teams: 4, Goals: 30,
		AsOf: time.Date(2026, 1, 31, 0, 0, 0, 0, time.UTC)})
	em := wbtest.NewServer(org, wbtest.WithMaxLimit(50))
	srv := httptest.NewServer(em) // in a test: ts := wbtest.Start(t, org); ts.BaseURL, ts.AdminToken

	defer srv.Close()

	req, _ := http.NewRequest(http.MethodGet, srv.URL+wbtest.APIPrefix+"/goal?goal_status=1,2&limit=10", nil)
	req.Header.Set("Authorization", "Bearer "+em.Credentials().AdminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	var body struct {
		Data struct {
			TotalCount int `json:"totalCount"`
			Goal       []struct {
				UserID      string            `json:"user_id"`
				PeopleGoals []json.RawMessage `json:"people_goals"`
			} `json:"goal"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		panic(err)
	}
	n := 0
	for _, w := range body.Data.Goal {
		n += len(w.PeopleGoals)
	}
	fmt.Println("goals in the org:", len(org.Goals))
	fmt.Println("totalCount:", body.Data.TotalCount)
	fmt.Println("goals on the first page:", n)
	fmt.Println("requests served:", em.Stats().Requests)
	// Output:
	// goals in the org: 30
	// totalCount: 30
	// goals on the first page: 10
	// requests served: 1
}

// Follow one organisation over three days: same ids, more check-ins.
func ExampleOrg_At() {
	day1 := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	base := wbtest.Generate(wbtest.OrgConfig{Seed: 4, Goals: 50, AsOf: day1})
	prev := 0
	for d := 0; d < 3; d++ {
		org := base.At(day1.AddDate(0, 0, d))
		_, checkins, _, _ := org.Counts()
		fmt.Println(org.Goals[0].ID == base.Goals[0].ID, checkins > prev)
		prev = checkins
	}
	// Output:
	// true true
	// true true
	// true true
}
