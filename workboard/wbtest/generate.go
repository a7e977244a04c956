package wbtest

import (
	"math"
	"math/rand/v2"
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

// withDefaults fills zero fields with the Default* values and normalises the times to UTC
// (Anchor to midnight).
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

// An orgPlan is an organisation's full history, independent of AsOf: every user and team,
// every goal and key result with all its check-in slots, confidence changes and comments,
// including those after AsOf. at projects it onto one instant.
type orgPlan struct {
	cfg    OrgConfig
	orgID  int64
	name   string
	admin  int64
	tokenU int64
	users  []*User
	teams  []*Team
	goals  []*goalPlan
	tags   []*Tag
}

// goalPlan is a goal's full history: its static fields, key results and comments.
type goalPlan struct {
	g        Goal // static fields only
	krs      []*krPlan
	comments []GoalComment
}

// krPlan is a key result's full history: its static fields, cadence (interval, or
// monthly), every check-in slot and confidence change, and comments not tied to a check-in.
type krPlan struct {
	k        KeyResult // static fields only
	interval time.Duration
	monthly  bool
	slots    []slotPlan
	conf     []Confidence
	extra    []KRComment // comments not attached to a check-in
}

// slotPlan is one scheduled check-in: due at due, entered at updated by by (unless missed).
type slotPlan struct {
	id      int64
	due     int64
	value   float64
	missed  bool
	by      int64
	updated int64
	comment string
}

// day is one day in seconds.
const day = int64(24 * 60 * 60)

// A generator draws one org's plan from a single seeded source, entity by entity: users,
// teams, memberships, then goal after goal with its key results and their history. The
// sequence of draws is what makes an org: the same seed gives the same org only as long as
// no draw is added, dropped or moved, so changes here change every generated org (and the
// golden files).
type generator struct {
	r      *rand.Rand
	cfg    OrgConfig
	anchor int64 // cfg.Anchor in epoch seconds
	p      *orgPlan
	// memberOf lists each user's teams once memberships are drawn.
	memberOf map[int64][]*Team
	// The last id handed out per entity; ids grow by small random steps.
	goalID, krID, slotID, commentID int64
}

// plan draws the org's full history for cfg (defaults applied).
func plan(cfg OrgConfig) *orgPlan {
	g := &generator{
		r:      rand.New(rand.NewPCG(uint64(cfg.Seed), 0x5eed_0f_3b_0a2d)),
		cfg:    cfg,
		anchor: cfg.Anchor.Unix(),
		p:      &orgPlan{cfg: cfg, orgID: 4417, name: "Northwind Analytics"},
		goalID: 90100, krID: 310500, slotID: 88400000, commentID: 66000,
	}
	g.users()
	g.teams()
	g.memberships()
	for i := 0; i < cfg.Goals; i++ {
		g.p.goals = append(g.p.goals, g.goal(i))
	}
	g.p.drawTags()
	g.p.drawAlignments()
	return g.p
}

// pick draws one of s.
func (g *generator) pick(s []string) string { return s[g.r.IntN(len(s))] }

// randomUser draws one of the org's users.
func (g *generator) randomUser() *User { return g.p.users[g.r.IntN(len(g.p.users))] }

// round rounds x to decimals places and never returns negative zero.
func round(x float64, decimals int) float64 {
	p := math.Pow10(decimals)
	v := math.Round(x*p) / p
	if v == 0 {
		return 0 // no negative zero
	}
	return v
}
