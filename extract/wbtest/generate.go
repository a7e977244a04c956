package wbtest

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"time"
)

// Defaults used by Generate for zero OrgConfig fields.
const (
	DefaultUsers         = 50
	DefaultTeams         = 8
	DefaultGoals         = 300
	DefaultKRsPerGoal    = 3
	DefaultCheckinsPerKR = 10
)

// DefaultAsOf is the AsOf used when OrgConfig.AsOf is zero (a fixed instant, so a zero config
// is still deterministic).
var DefaultAsOf = time.Date(2025, time.September, 1, 0, 0, 0, 0, time.UTC)

// OrgConfig sizes and seeds a generated organisation. Zero fields take the Default* values.
type OrgConfig struct {
	// Seed drives every random choice; the same config always yields the same org.
	Seed int64
	// Users, Teams and Goals are the exact numbers of users (>= 2), teams (>= 1) and goals
	// (>= 1) generated.
	Users, Teams, Goals int
	// KRsPerGoal is the mean number of key results per goal; each goal gets between
	// KRsPerGoal-1 and KRsPerGoal+1 (at least 1).
	KRsPerGoal int
	// CheckinsPerKR is the mean number of check-in slots (metric_data rows) a key result has
	// as of Anchor (each KR varies by up to ±2, at least 1). Closed goals' KRs have all
	// their slots before Anchor; active ones get one more slot per cadence period after it.
	CheckinsPerKR int
	// AsOf is the instant the org's state is taken at: slots due before AsOf are listed,
	// values entered after AsOf are not yet visible, and progress is computed from what is
	// visible. Zero means DefaultAsOf.
	AsOf time.Time
	// Anchor is the day the org's history is laid out around (truncated to UTC midnight).
	// The same Seed and Anchor give the same structure, ids and full history for every
	// AsOf, so a later AsOf shows more check-ins and moved progress for the same ids.
	// Zero means AsOf (so, by default, an org has about CheckinsPerKR check-ins per KR).
	Anchor time.Time
}

func (c OrgConfig) withDefaults() OrgConfig {
	if c.Users <= 0 {
		c.Users = DefaultUsers
	}
	if c.Users < 2 {
		c.Users = 2
	}
	if c.Teams <= 0 {
		c.Teams = DefaultTeams
	}
	if c.Goals <= 0 {
		c.Goals = DefaultGoals
	}
	if c.KRsPerGoal <= 0 {
		c.KRsPerGoal = DefaultKRsPerGoal
	}
	if c.CheckinsPerKR <= 0 {
		c.CheckinsPerKR = DefaultCheckinsPerKR
	}
	if c.AsOf.IsZero() {
		c.AsOf = DefaultAsOf
	}
	c.AsOf = c.AsOf.UTC()
	if c.Anchor.IsZero() {
		c.Anchor = c.AsOf
	}
	c.Anchor = c.Anchor.UTC().Truncate(24 * time.Hour)
	return c
}

// Generate builds a deterministic organisation from cfg. See OrgConfig for the meaning of
// each field and Org for the ground truth it exposes.
func Generate(cfg OrgConfig) *Org {
	cfg = cfg.withDefaults()
	p := plan(cfg)
	return p.at(cfg.AsOf)
}

// At returns the same organisation (same seed, anchor, ids and full history) as of another
// instant. o itself is not modified.
func (o *Org) At(asOf time.Time) *Org {
	return o.plan.at(asOf.UTC())
}

// ---- plan: the AsOf-independent full history -------------------------------------------

type orgPlan struct {
	cfg    OrgConfig
	orgID  int64
	name   string
	admin  int64
	tokenU int64
	users  []*User
	teams  []*Team
	goals  []*goalPlan
}

type goalPlan struct {
	g        Goal // static fields only
	krs      []*krPlan
	comments []GoalComment
}

type krPlan struct {
	k        KeyResult // static fields only
	interval time.Duration
	monthly  bool
	slots    []slotPlan
	conf     []Confidence
	extra    []KRComment // comments not attached to a check-in
}

type slotPlan struct {
	id      int64
	due     int64
	value   float64
	missed  bool
	by      int64
	updated int64
	comment string
}

const day = int64(24 * 60 * 60)

var (
	firstNames = []string{"Priya", "Marcus", "Lena", "Tomás", "Hana", "José", "Zoë", "Łukasz", "Søren", "Chloé",
		"Renée", "Olu", "Anaïs", "Björn", "Mei", "Ines", "Rafael", "Aroha", "Dmitri", "Fatima", "Noah", "Amélie",
		"Kenji", "Siobhán", "Ngozi", "Mateo", "Yara", "Ødegaard", "Liam", "Ana"}
	lastNames = []string{"Raman", "Oyelaran", "Fischer", "Aguilar", "Kobayashi", "García", "Müller", "O'Brien",
		"Nguyễn", "Kowalski", "Ström", "Dubois", "Rossi", "Smith-Jones", "Haddad", "Petrov", "Silva", "Tanaka",
		"Okafor", "Van der Berg", "Jensen", "Costa", "Lefèvre", "Novák"}
	cjkNames   = [][2]string{{"美羽", "佐藤"}, {"伟", "王"}, {"娜", "李"}, {"민준", "김"}, {"翔", "田中"}}
	emojiNames = []string{"Alex 🚀", "Sam ✨", "Jo 🌱"}
	timeZones  = []string{"America/Los_Angeles", "America/Chicago", "America/New_York", "Europe/Berlin",
		"Europe/London", "Asia/Tokyo", "Australia/Sydney", "America/Sao_Paulo", "Asia/Kolkata"}
	titles = []string{"Account Executive", "Engineer", "Senior Engineer", "Product Manager", "Director of Sales",
		"Head of Customer Success", "Analyst", "Designer", "VP Operations", "Support Specialist", "Recruiter"}
	teamNames = []string{"Sales", "Customer Success", "Product", "Engineering", "Marketing", "Finance", "People",
		"Data Platform", "Ventes Europe", "開発チーム", "Growth 🚀", "Support", "Legal & Compliance", "Design",
		"Renewals Tiger Team", "Partnerships"}
	goalNames = []string{"Grow net revenue retention to 112%", "Make onboarding effortless",
		"Be the easiest analytics vendor to buy and use", "Build 3x pipeline coverage for H2",
		"Launch \"Atlas\" v2 to all customers", "Réduire le churn de 20 %", "顧客満足度を向上させる",
		"Ship the mobile app 📱", "Hire and ramp 12 engineers", "Cut cloud spend per customer",
		"Complete the first-line leadership program", "Raise NPS above 45", "Close the books in 5 days",
		"Zero Sev-1 incidents", "Expand into the DACH market", "Mejorar la calidad de datos"}
	krNames = []string{"Expansion ARR booked", "Gross revenue churn", "Median days to first value",
		"Onboarding CSAT", "Qualified pipeline coverage", "Customer NPS", "Leadership modules completed",
		"Weekly active users", "p95 latency (ms)", "Cost per customer (€)", "Open Sev-2 tickets",
		"Signed partner agreements", "Taux de conversion", "リリース数", "Test coverage %", "Hiring offers accepted"}
	checkinComments = []string{"First expansion deal of the quarter.", "Two enterprise upsells slipped.",
		"Late update after offsite.", "On track.", "Blocked on legal review — escalated.", "Données corrigées.",
		"Great week 🎉", "Backlog cleared, see \"Q3 plan\" doc.", "予定通り", "Recovered after the outage."}
	confComments = []string{"Strong start.", "Two deals slipped; recovery plan agreed.", "", "Risk: hiring freeze.",
		"Confidence restored.", "Dependencies unclear."}
	goalComments = []string{"Two enterprise upsells slipped to September; pipeline still healthy.",
		"Please align with the Sales plan.", "Great progress — keep going! 💪", "Revisit the target in the next QBR.",
		"Reprise prévue la semaine prochaine.", "目標を見直しました。"}
	categories  = []IDName{{"12", "Customer"}, {"15", "Revenue"}, {"18", "People"}, {"21", "Operations"}, {"24", "Product"}}
	workstreams = []IDName{{"7731", "Onboarding revamp"}, {"7740", "Renewal playbook"}, {"7752", "Platform migration"}}
	themes      = []string{"Land and expand", "Operational excellence", "Customer love", "Efficiency"}
)

var weekdays = []string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}

func round(x float64, decimals int) float64 {
	p := math.Pow10(decimals)
	v := math.Round(x*p) / p
	if v == 0 {
		return 0 // no negative zero
	}
	return v
}

func plan(cfg OrgConfig) *orgPlan {
	r := rand.New(rand.NewPCG(uint64(cfg.Seed), 0x5eed_0f_3b_0a2d))
	A := cfg.Anchor.Unix()
	p := &orgPlan{cfg: cfg, orgID: 4417, name: "Northwind Analytics"}
	pick := func(s []string) string { return s[r.IntN(len(s))] }

	// Users.
	id := int64(180200)
	for i := 0; i < cfg.Users; i++ {
		id += 1 + int64(r.IntN(3))
		u := &User{ID: id, Company: p.name, Status: "active"}
		switch {
		case i > 0 && i%17 == 5:
			n := cjkNames[r.IntN(len(cjkNames))]
			u.FirstName, u.LastName = n[0], n[1]
		case i > 0 && i%23 == 7:
			u.FirstName, u.LastName = pick(emojiNames), pick(lastNames)
		default:
			u.FirstName, u.LastName = pick(firstNames), pick(lastNames)
		}
		u.UserName = asciiHandle(u.FirstName, u.LastName, id)
		u.Email = u.UserName + "@example.com"
		u.WBEmail = fmt.Sprintf("%s.%d@inbox.example.test", u.UserName, id)
		if r.IntN(2) == 0 {
			c := fmt.Sprintf("+1 555 %04d", r.IntN(10000))
			u.CellNum = &c
		}
		u.CreateAt = A - int64(30+r.IntN(1500))*day - int64(r.IntN(int(day)))
		u.LastVisitedAt = A - int64(r.IntN(int(20*day)))
		u.Picture = fmt.Sprintf("https://img.example-cdn.test/wb/avatars/%d.png", id)
		u.TimeZone = pick(timeZones)
		if r.IntN(100) < 85 {
			u.ExternalID = fmt.Sprintf("EMP-%06d", 100+i*7)
		}
		u.CreatedFrom = []string{"api", "web", "scim"}[r.IntN(3)]
		u.Title = pick(titles)
		u.IsReadOnly = i > 1 && r.IntN(100) < 6
		u.CustomAttributes = []UserAttribute{
			{ID: 7, Name: "Cost Center", Value: fmt.Sprintf("CC-%d", 4400+r.IntN(40))},
			{ID: 9, Name: "Region", Value: []string{"North America", "EMEA", "APAC", "LATAM"}[r.IntN(4)]},
		}
		roll := r.IntN(100)
		switch {
		case i == 0:
			u.OrgUserRoles, u.DataAdmin, u.Title = "6,10", true, "VP Operations"
		case roll < 3:
			u.OrgUserRoles = ""
		case roll < 10:
			u.OrgUserRoles = "6,7"
		case roll < 14:
			u.OrgUserRoles = "6,11"
		default:
			u.OrgUserRoles = "6"
		}
		if i > 0 && r.IntN(100) < 92 {
			j := r.IntN(i)
			u.Managers = []Manager{{UserID: p.users[j].ID, Role: "1"}}
			if i > 2 && r.IntN(100) < 10 {
				k := r.IntN(i)
				if k != j {
					u.Managers = append(u.Managers, Manager{UserID: p.users[k].ID, Role: "2"})
				}
			}
		}
		p.users = append(p.users, u)
	}
	p.admin = p.users[0].ID
	p.tokenU = p.users[1].ID

	// Teams.
	tid := int64(52000)
	levels := map[int64]int{}
	for i := 0; i < cfg.Teams; i++ {
		tid += 1 + int64(r.IntN(5))
		t := &Team{ID: tid, Type: "functional", State: "1", CreatedFrom: []string{"web", "api"}[r.IntN(2)]}
		if i == 0 {
			t.Name, t.OwnerID = "Executive Team", p.admin
			t.ExternalID = "ORG-EXEC"
		} else {
			t.Name = teamNames[(i-1)%len(teamNames)]
			if i-1 >= len(teamNames) {
				t.Name = fmt.Sprintf("%s %d", t.Name, (i-1)/len(teamNames)+1)
			}
			t.OwnerID = p.users[r.IntN(len(p.users))].ID
			if r.IntN(100) < 80 {
				t.ExternalID = fmt.Sprintf("ORG-%d", 100+i)
			}
		}
		if i > 0 && r.IntN(100) < 20 {
			t.Type = "working_group"
		} else {
			lvl := 1
			if i > 0 {
				// parent: a random earlier functional team
				var cands []*Team
				for _, x := range p.teams {
					if x.Type == "functional" {
						cands = append(cands, x)
					}
				}
				par := cands[r.IntN(len(cands))]
				t.ParentID = par.ID
				lvl = levels[par.ID] + 1
				if len(cands) > 1 && r.IntN(100) < 25 {
					d := cands[r.IntN(len(cands))]
					if d.ID == par.ID {
						d = cands[(r.IntN(len(cands)-1)+1+indexOf(cands, par))%len(cands)]
					}
					t.DottedTeamIDs = []int64{d.ID}
				}
			}
			levels[t.ID] = lvl
			s := fmt.Sprint(lvl)
			t.Level = &s
		}
		if i > 2 && r.IntN(100) < 5 {
			t.State = "0"
		}
		t.CreatedAt = A - int64(60+r.IntN(1200))*day - int64(r.IntN(int(day)))
		t.UpdatedAt = t.CreatedAt + int64(r.IntN(int(A-t.CreatedAt-day)))
		t.Members = []TeamMember{{UserID: t.OwnerID, Role: "manager"}}
		p.teams = append(p.teams, t)
	}
	// Memberships: every user joins one primary team; some join a second one.
	roles := []string{"member", "member", "member", "member", "co_manager", "team_admin", "exec_viewer"}
	memberOf := map[int64][]*Team{}
	join := func(t *Team, uid int64, role string) {
		for _, m := range t.Members {
			if m.UserID == uid {
				return
			}
		}
		t.Members = append(t.Members, TeamMember{UserID: uid, Role: role})
	}
	for _, u := range p.users {
		t := p.teams[r.IntN(len(p.teams))]
		join(t, u.ID, roles[r.IntN(len(roles))])
		if r.IntN(100) < 15 {
			join(p.teams[r.IntN(len(p.teams))], u.ID, "member")
		}
	}
	for _, t := range p.teams {
		for _, m := range t.Members {
			memberOf[m.UserID] = append(memberOf[m.UserID], t)
		}
	}

	// Goals, key results, history.
	gid, kid, did, cid := int64(90100), int64(310500), int64(88400000), int64(66000)
	C := cfg.CheckinsPerKR
	for gi := 0; gi < cfg.Goals; gi++ {
		gid += 1 + int64(r.IntN(3))
		gp := &goalPlan{}
		g := &gp.g
		g.ID = gid
		owner := p.users[r.IntN(len(p.users))]
		if gi == 0 {
			owner = p.users[1] // the ordinary token's user owns at least one goal and KR
		}
		g.OwnerID, g.OwnerFullName = owner.ID, owner.FullName()
		g.CreatedBy = owner.ID
		closed := gi > 0 && r.IntN(100) < 20
		personal := r.IntN(100) < 15
		g.Status = "1"
		if closed {
			g.Status = "2"
		}
		g.Name = goalNames[r.IntN(len(goalNames))]
		if r.IntN(3) == 0 {
			g.Narrative = "Company objective for the period. Owner: " + owner.FirstName + "."
		}
		if personal {
			g.Type = IDName{"2", "Individual"}
			g.Permission = []string{"owner,manager", "owner,manager,internal"}[r.IntN(2)]
		} else {
			g.Type = IDName{"1", "Team"}
			g.Permission = []string{"team,report,internal", "team,internal", "team,report,internal,any"}[r.IntN(3)]
			ts := memberOf[owner.ID]
			var t *Team
			if len(ts) > 0 {
				t = ts[r.IntN(len(ts))]
			} else {
				t = p.teams[r.IntN(len(p.teams))]
			}
			g.TeamID, g.TeamName = t.ID, t.Name
			g.PermissionTeamIDs = []int64{t.ID}
			if t.ParentID != 0 {
				g.PermissionTeamIDs = append(g.PermissionTeamIDs, t.ParentID)
			}
		}
		nc := r.IntN(3)
		perm := r.Perm(len(categories))
		for i := 0; i < nc; i++ {
			g.Categories = append(g.Categories, categories[perm[i]])
		}
		sort.Slice(g.Categories, func(i, j int) bool { return g.Categories[i].ID < g.Categories[j].ID })
		if r.IntN(100) < 25 {
			g.Workstreams = []IDName{workstreams[r.IntN(len(workstreams))]}
		}
		budget := ""
		if r.IntN(2) == 0 {
			budget = fmt.Sprintf("BC-%04d", r.IntN(10000))
		}
		g.CustomAttributes = []GoalAttribute{
			{ID: 31, Name: "Strategic Theme", Value: themes[r.IntN(len(themes))], Status: "1"},
			{ID: 34, Name: "Budget Code", Value: budget, Status: "1"},
		}
		if r.IntN(100) < 5 {
			g.Extra = []RawField{{Name: "beta_flag", Value: json.RawMessage("true")}}
		}

		// Period end for closed goals / horizon for active ones.
		end := A - int64(7+r.IntN(40))*day
		horizon := A + int64(14+r.IntN(60))*day
		nk := cfg.KRsPerGoal
		if nk > 1 {
			nk += r.IntN(3) - 1
		}
		start := A
		for ki := 0; ki < nk; ki++ {
			kid += 1 + int64(r.IntN(2))
			kp := &krPlan{}
			k := &kp.k
			k.ID, k.GoalID = kid, g.ID
			k.OwnerID = owner.ID
			if ki > 0 && r.IntN(100) < 30 {
				k.OwnerID = p.users[r.IntN(len(p.users))].ID
			}
			k.RealOwnerID = k.OwnerID
			if r.IntN(100) < 8 {
				k.RealOwnerID = p.users[r.IntN(len(p.users))].ID
			}
			k.CreatedBy = owner.ID
			k.Name = krNames[r.IntN(len(krNames))]
			n := C
			if C > 2 {
				n = C + r.IntN(5) - 2
			}
			roll := r.IntN(100)
			switch {
			case roll < 20:
				k.Interval, kp.interval = IDName{"1", "Daily"}, 24*time.Hour
			case roll < 85 || n > 6:
				k.Interval, kp.interval = IDName{"2", "Weekly"}, 7*24*time.Hour
			default:
				k.Interval, kp.monthly = IDName{"3", "Monthly"}, true
			}
			// Slot due times.
			last := A
			if closed {
				last = end
			}
			dueAt := func(i int) int64 { // i-th slot, i in [0, n) is due before `last`
				if kp.monthly {
					return time.Unix(last, 0).UTC().AddDate(0, i-n, 0).Unix()
				}
				return last - int64(n-i)*int64(kp.interval/time.Second)
			}
			dues := make([]int64, 0, n+16)
			for i := 0; ; i++ {
				d := dueAt(i)
				if i >= n && (closed || d > horizon) {
					break
				}
				dues = append(dues, d)
			}
			if dues[0] < start {
				start = dues[0]
			}
			if k.Interval.ID == "2" {
				k.IntervalDay = weekdays[time.Unix(dues[0], 0).UTC().Weekday()]
			}
			// Unit, counting, progress type, initial/target.
			roll = r.IntN(100)
			decimals := 2
			switch {
			case roll < 60:
				k.Unit = IDName{"1", "Number"}
			case roll < 80:
				k.Unit, decimals = IDName{"2", "Currency"}, 0
			default:
				k.Unit, decimals = IDName{"3", "Percentage"}, 1
			}
			roll = r.IntN(100)
			switch {
			case roll < 75:
				k.CountingType = IDName{"1", "Counting Up"}
			case roll < 95:
				k.CountingType = IDName{"2", "Counting Down"}
			default:
				k.CountingType = IDName{"3", "Exact To Target"}
			}
			roll = r.IntN(100)
			switch {
			case roll < 15 && k.CountingType.ID == "1":
				k.ProgressType = IDName{"2", "Total"}
			case roll < 30:
				k.ProgressType = IDName{"3", "Average"}
			default:
				k.ProgressType = IDName{"1", "Last Update"}
			}
			var lo, span float64
			switch k.Unit.ID {
			case "2":
				lo, span = float64(r.IntN(5))*10000, float64(5+r.IntN(120))*10000
			case "3":
				lo, span = round(20+r.Float64()*50, 1), round(5+r.Float64()*25, 1)
			default:
				lo, span = round(r.Float64()*40, 2), round(3+r.Float64()*150, 2)
			}
			if k.ProgressType.ID == "2" {
				lo = 0
			}
			if k.CountingType.ID == "2" {
				k.InitialData, k.Target = round(lo+span, decimals), round(lo, decimals)
			} else {
				k.InitialData, k.Target = round(lo, decimals), round(lo+span, decimals)
			}
			if k.Target == k.InitialData {
				k.Target = k.InitialData + 1
			}
			perf := 0.35 + r.Float64()*0.8
			// total is the number of slots the KR is planned over: for an active goal the
			// slots due by Anchor plus two, so progress trends upward as AsOf moves on
			// (values past the plan simply exceed it; progress is capped at 100).
			total := float64(n + 2)
			if closed {
				total = float64(n)
			}
			delta := k.Target - k.InitialData
			conf := []string{"3", "2", "1", "0"}[r.IntN(3)]
			kp.slots = make([]slotPlan, 0, len(dues))
			for i, d := range dues {
				did += 1
				s := slotPlan{id: did, due: d}
				f := float64(i+1) / total
				switch k.ProgressType.ID {
				case "2":
					s.value = round(delta*perf/total*(0.7+0.6*r.Float64()), decimals)
				case "3":
					s.value = round(k.InitialData+delta*perf*(0.5+0.5*f)*(0.9+0.2*r.Float64()), decimals)
				default:
					s.value = round(k.InitialData+delta*perf*f*(0.92+0.16*r.Float64()), decimals)
				}
				s.missed = r.IntN(100) < 12
				if !s.missed {
					s.updated = d + 1200 + int64(r.IntN(30*3600))
					s.by = k.OwnerID
					if r.IntN(100) < 15 {
						s.by = owner.ID
					}
					if r.IntN(100) < 30 {
						s.comment = checkinComments[r.IntN(len(checkinComments))]
					}
					if r.IntN(100) < 30 {
						conf = []string{"0", "1", "2", "3"}[max(0, min(3, confIndex(conf)+r.IntN(3)-1))]
						at := s.updated + int64(r.IntN(600))
						kp.conf = append(kp.conf, Confidence{Value: conf, Comment: confComments[r.IntN(len(confComments))], ModifiedAt: at, MetricDataID: s.id})
						if r.IntN(100) < 15 {
							conf = []string{"0", "1", "2", "3"}[r.IntN(4)]
							kp.conf = append(kp.conf, Confidence{Value: conf, Comment: "Corrected.", ModifiedAt: at, MetricDataID: s.id})
						}
					}
				}
				kp.slots = append(kp.slots, s)
			}
			if r.IntN(100) < 10 && len(dues) > 1 {
				at := dues[r.IntN(len(dues)-1)] + int64(r.IntN(int(day)))
				kp.extra = append(kp.extra, KRComment{Comment: "Note: target reviewed with the team.", ModifiedAt: at})
			}
			k.SourceCode, k.SourceText = "1", ""
			if r.IntN(100) < 8 {
				k.SourceCode = "10"
				k.AutomationJSON = `{"external_sources":[{"name":"Salesforce","status":"connected"}]}`
			}
			k.Status = "1"
			if closed {
				k.Status = "2"
			}
			k.Permission = g.Permission
			gp.krs = append(gp.krs, kp)
		}
		start = time.Unix(start, 0).UTC().Truncate(24*time.Hour).Unix() - int64(r.IntN(4))*day
		g.StartDate = start
		if closed {
			g.TargetDate = end
		} else {
			g.TargetDate = time.Unix(horizon, 0).UTC().Truncate(24 * time.Hour).Unix()
		}
		g.CreateAt = start - int64(1+r.IntN(10))*day + int64(r.IntN(int(day)))
		for ki, kp := range gp.krs {
			kp.k.CreateAt = g.CreateAt + int64(60*(ki+1)+r.IntN(3000))
			kp.k.TargetDate = g.TargetDate
			if kp.k.SourceCode == "10" {
				kp.k.SourceText = "Datastream: " + kp.k.Name
			} else {
				kp.k.SourceText = p.userByID(kp.k.OwnerID).FullName()
			}
		}
		// Goal comments.
		for i, nc := 0, r.IntN(4); i < nc && i < 3; i++ {
			cid += 1 + int64(r.IntN(2))
			at := g.StartDate + int64(r.IntN(int(g.TargetDate-g.StartDate+1)))
			who := owner
			if r.IntN(3) == 0 {
				who = p.users[r.IntN(len(p.users))]
			}
			c := GoalComment{ID: cid, Text: goalComments[r.IntN(len(goalComments))], OwnerID: who.ID, OwnerName: who.FullName(), AddedAt: at, LastUpdated: at}
			if r.IntN(5) == 0 {
				c.LastUpdated = at + int64(r.IntN(int(3*day)))
			}
			gp.comments = append(gp.comments, c)
		}
		p.goals = append(p.goals, gp)
	}
	return p
}

func indexOf(ts []*Team, t *Team) int {
	for i, x := range ts {
		if x == t {
			return i
		}
	}
	return -1
}

func confIndex(s string) int { return int(s[0] - '0') }

func (p *orgPlan) userByID(id int64) *User {
	i := sort.Search(len(p.users), func(i int) bool { return p.users[i].ID >= id })
	return p.users[i]
}

func asciiHandle(first, last string, id int64) string {
	ok := func(s string) bool {
		for _, c := range s {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-' || c == '\'') {
				return false
			}
		}
		return s != ""
	}
	if ok(first) && ok(strings.ReplaceAll(last, " ", "")) {
		h := strings.ToLower(first + "." + strings.NewReplacer(" ", "", "'", "").Replace(last))
		return fmt.Sprintf("%s%d", h, id%1000)
	}
	return fmt.Sprintf("user%d", id)
}

// ColorFor maps a progress percentage to the colour string the emulator sends in
// goal_progress_color / metric_progress_color: "green" (>= 70), "amber" (>= 50), else "red".
// (WorkBoard's literal colour values are unknown; these match the fixtures.)
func ColorFor(progress float64) string {
	switch {
	case progress >= 70:
		return "green"
	case progress >= 50:
		return "amber"
	default:
		return "red"
	}
}

// krProgress derives a KR's progress percent from its initial value, target and achieved value.
func krProgress(countingType string, initial, target, achieved float64) float64 {
	span := target - initial
	if span == 0 {
		return 100
	}
	var p float64
	if countingType == "3" {
		p = 100 - math.Abs(achieved-target)/math.Abs(span)*100
	} else {
		p = (achieved - initial) / span * 100
	}
	return round(math.Max(0, math.Min(100, p)), 2)
}

// ---- projection as of an instant --------------------------------------------------------

func (p *orgPlan) at(asOf time.Time) *Org {
	cfg := p.cfg
	cfg.AsOf = asOf
	T := asOf.Unix()
	o := &Org{Config: cfg, ID: p.orgID, Name: p.name, AsOf: asOf, AdminUserID: p.admin, TokenUserID: p.tokenU, plan: p}
	for _, u := range p.users {
		c := *u
		if c.LastVisitedAt > T {
			c.LastVisitedAt = T - 3600
		}
		o.Users = append(o.Users, &c)
	}
	for _, t := range p.teams {
		c := *t
		if c.UpdatedAt > T {
			c.UpdatedAt = max(c.CreatedAt, T-3600)
		}
		o.Teams = append(o.Teams, &c)
	}
	for _, gp := range p.goals {
		g := gp.g
		g.KeyResults = nil
		g.Comments = nil
		g.ModifiedAt, g.UpdatedBy = g.CreateAt, g.CreatedBy
		var sum float64
		for _, kp := range gp.krs {
			k := kp.project(T)
			g.KeyResults = append(g.KeyResults, k)
			sum += k.Progress
			if k.ModifiedAt > g.ModifiedAt {
				g.ModifiedAt, g.UpdatedBy = k.ModifiedAt, k.UpdatedBy
			}
		}
		if len(g.KeyResults) > 0 {
			g.Progress = round(sum/float64(len(g.KeyResults)), 2)
		}
		g.ProgressColor = ColorFor(g.Progress)
		for _, c := range gp.comments {
			if c.AddedAt <= T {
				if c.LastUpdated > T {
					c.LastUpdated = c.AddedAt
				}
				g.Comments = append(g.Comments, c)
				if c.LastUpdated > g.ModifiedAt {
					g.ModifiedAt = c.LastUpdated
				}
			}
		}
		gg := g
		o.Goals = append(o.Goals, &gg)
	}
	o.index()
	return o
}

func (kp *krPlan) project(T int64) *KeyResult {
	k := kp.k
	k.MetricData = make([]MetricData, 0, len(kp.slots))
	k.UpdatedBy = k.CreatedBy
	k.ModifiedAt = k.CreateAt
	vals := make([]float64, 0, len(kp.slots))
	var lastVal float64
	for _, s := range kp.slots {
		if s.due >= T {
			break
		}
		md := MetricData{ID: s.id, CreatedAt: s.due}
		if !s.missed && s.updated <= T {
			v := s.value
			md.Value, md.CreatedBy, md.UpdatedAt, md.Comment = &v, s.by, s.updated, s.comment
			vals = append(vals, v)
			lastVal = v
			if s.updated > k.LastUpdate {
				k.LastUpdate, k.UpdatedBy = s.updated, s.by
			}
			if s.comment != "" {
				k.Comments = append(k.Comments, KRComment{Comment: s.comment, ModifiedAt: s.updated})
			}
		}
		k.MetricData = append(k.MetricData, md)
	}
	for _, c := range kp.extra {
		if c.ModifiedAt <= T {
			k.Comments = append(k.Comments, c)
		}
	}
	sort.SliceStable(k.Comments, func(i, j int) bool { return k.Comments[i].ModifiedAt < k.Comments[j].ModifiedAt })
	for _, c := range kp.conf {
		if c.ModifiedAt <= T {
			k.Confidence = append(k.Confidence, c)
		}
	}
	dec := 2
	switch k.Unit.ID {
	case "2":
		dec = 0
	case "3":
		dec = 1
	}
	k.Achieved = k.InitialData
	if len(vals) > 0 {
		switch k.ProgressType.ID {
		case "2":
			var s float64
			for _, v := range vals {
				s += v
			}
			k.Achieved = round(k.InitialData+s, dec)
		case "3":
			var s float64
			for _, v := range vals {
				s += v
			}
			k.Achieved = round(s/float64(len(vals)), dec)
		default:
			k.Achieved = lastVal
		}
	}
	k.Progress = krProgress(k.CountingType.ID, k.InitialData, k.Target, k.Achieved)
	k.ProgressColor = ColorFor(k.Progress)
	k.ModifiedAt = max(k.CreateAt, k.LastUpdate)
	if n := len(k.Confidence); n > 0 && k.Confidence[n-1].ModifiedAt > k.ModifiedAt {
		k.ModifiedAt = k.Confidence[n-1].ModifiedAt
	}
	// Next due slot at or after T; past the last slot, one cadence period later.
	k.NextUpdate = 0
	for _, s := range kp.slots {
		if s.due >= T {
			k.NextUpdate = s.due
			break
		}
	}
	if k.NextUpdate == 0 && len(kp.slots) > 0 {
		lastDue := kp.slots[len(kp.slots)-1].due
		if kp.monthly {
			k.NextUpdate = time.Unix(lastDue, 0).UTC().AddDate(0, 1, 0).Unix()
		} else {
			k.NextUpdate = lastDue + int64(kp.interval/time.Second)
		}
	}
	return &k
}
