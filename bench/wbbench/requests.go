package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"

	"github.com/wbexport/wbexport/extract"
	"github.com/wbexport/wbexport/workboard"
	"github.com/wbexport/wbexport/workboard/wbtest"
)

// runRequests counts the requests of a full export of the org `wbexport emulate --goals N`
// serves (its default org: 500 goals) by each key-result strategy (extract.KRListing), with
// no latency and no rate limit. Every strategy's row counts must equal the ground truth, and
// auto's rows must be those of goal: the digests of every record without its lineage (Meta)
// are compared.
func runRequests(args []string) error {
	fs := flag.NewFlagSet("requests", flag.ExitOnError)
	goalsList := fs.String("goals", "500", "org sizes in goals, comma list")
	listings := fs.String("listings", "goal,team,auto", "strategies to run, comma list")
	conc := fs.Int("conc", 4, "requests in flight (wbexport run's default --concurrency: which alignment trees arrive first, and so how many goals need a call of their own, depends on it)")
	digest := fs.Bool("digest", true, "compare the rows of the strategies (memory: every row of the org is formatted once)")
	_ = fs.Parse(args)
	sizes, err := parseInts(*goalsList)
	if err != nil {
		return err
	}
	for _, goals := range sizes {
		org := wbtest.Generate(orgConfig(goals, 1)) // `wbexport emulate --goals N`'s org
		krs, cis, _, _ := org.Counts()
		var rows int64
		digests := map[string]string{}
		requests, krRequests := map[string]int64{}, map[string]int{}
		for _, l := range strings.Split(*listings, ",") {
			listing, err := extract.ParseKRListing(strings.TrimSpace(l))
			if err != nil {
				return err
			}
			rep, sum, err := exportOnce(org, listing, *conc, *digest)
			if err != nil {
				return fmt.Errorf("%d goals, %s: %w", goals, listing, err)
			}
			if !rowsEqualTruth(org, rep) {
				return fmt.Errorf("%d goals, %s: rows %v differ from the ground truth", goals, listing, rep.Rows)
			}
			rows = 0
			for _, n := range rep.Rows {
				rows += n
			}
			digests[string(listing)], requests[string(listing)] = sum, rep.Requests
			krRequests[string(listing)] = keyResultRequests(rep)
			r := result{"bench": "requests", "goals": goals, "users": len(org.Users), "teams": len(org.Teams),
				"key_results": krs, "checkins": cis, "kr_listing": string(listing), "requests": rep.Requests,
				"kr_requests":       krRequests[string(listing)],
				"requests_per_goal": rep.RequestsPerGoal, "rows": rows, "rows_digest": sum, "endpoints": rep.Endpoints}
			fmt.Fprintf(os.Stderr, "requests %6d goals, %-4s: %6d requests (%.3f per goal; %d for key results, %d for alignments), %d rows\n", goals, listing,
				rep.Requests, rep.RequestsPerGoal, krRequests[string(listing)], endpointRequests(rep, "goal_alignments"), rows)
			emit(r)
		}
		// auto and goal must export the very same rows; team fetches the key results its
		// listings leave out by id (GET /metric/{id}), whose confidence entries carry the
		// check-in they belong to, so only its row counts can be the same
		r := result{"bench": "requests-summary", "goals": goals}
		if *digest && digests["auto"] != "" && digests["goal"] != "" {
			r["identical_rows_auto_goal"] = digests["auto"] == digests["goal"]
		}
		if requests["auto"] > 0 && requests["goal"] > 0 {
			r["goal_over_auto"] = float64(requests["goal"]) / float64(requests["auto"])
			r["kr_goal_over_auto"] = float64(krRequests["goal"]) / float64(krRequests["auto"])
		}
		emit(r)
	}
	return nil
}

// keyResultRequests is the part of rep's requests that the key-result strategy decides: the
// per-goal key-result calls and the team key-result listings.
func keyResultRequests(rep *extract.Report) int {
	return endpointRequests(rep, "key_results") + endpointRequests(rep, "key_results_by_team")
}

// endpointRequests is the requests of one endpoint of rep's (0 when it made none).
func endpointRequests(rep *extract.Report, name string) int {
	if es := rep.Endpoints[name]; es != nil {
		return es.Requests
	}
	return 0
}

// exportOnce exports org from an emulator over loopback by listing and returns the report and
// the digest of the rows (when asked).
func exportOnce(org *wbtest.Org, listing extract.KRListing, conc int, digest bool) (*extract.Report, string, error) {
	srv := wbtest.NewServer(org)
	live, err := wbtest.Listen("127.0.0.1:0", srv)
	if err != nil {
		return nil, "", err
	}
	defer live.Shutdown(context.Background())
	wc, err := workboard.New(srv.Credentials().AdminToken, workboard.WithBaseURL(live.BaseURL), workboard.WithConcurrency(conc),
		workboard.WithRate(100000), workboard.WithHTTPClient(&http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conc + 2}}))
	if err != nil {
		return nil, "", err
	}
	ex, err := extract.New(wc)
	if err != nil {
		return nil, "", err
	}
	var lines []string
	p := extract.FullPlan()
	p.KRListing = listing
	rep, err := ex.Export(context.Background(), p, func(_ context.Context, b *workboard.Batch) error {
		if digest {
			lines = appendRows(lines, b)
		}
		return nil
	})
	if err != nil || !digest {
		return rep, "", err
	}
	slices.Sort(lines)
	h := sha256.New()
	for _, l := range lines {
		h.Write([]byte(l))
		h.Write([]byte{'\n'})
	}
	return rep, hex.EncodeToString(h.Sum(nil))[:16], nil
}

// appendRows formats every record of b without its lineage (which endpoint it came from and
// when), one line each.
func appendRows(lines []string, b *workboard.Batch) []string {
	lines = appendKind(lines, "user", b.Users)
	lines = appendKind(lines, "team", b.Teams)
	lines = appendKind(lines, "member", b.TeamMembers)
	lines = appendKind(lines, "goal", b.Goals)
	lines = appendKind(lines, "goal_comment", b.GoalComments)
	lines = appendKind(lines, "key_result", b.KeyResults)
	lines = appendKind(lines, "checkin", b.Checkins)
	lines = appendKind(lines, "confidence", b.Confidence)
	lines = appendKind(lines, "kr_comment", b.KRComments)
	lines = appendKind(lines, "tag", b.Tags)
	lines = appendKind(lines, "kr_tag", b.KRTags)
	return appendKind(lines, "alignment", b.Alignments)
}

// appendKind formats every record of rs, its lineage cleared, as one line led by kind.
func appendKind[T any, P interface {
	*T
	Stamp(workboard.Meta)
}](lines []string, kind string, rs []T) []string {
	for _, r := range rs {
		P(&r).Stamp(workboard.Meta{})
		lines = append(lines, kind+fmt.Sprintf(" %+v", r))
	}
	return lines
}
