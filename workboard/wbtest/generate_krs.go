package wbtest

import "time"

// keyResult draws the goal's ki-th key result and its full history.
func (g *generator) keyResult(ki int, d *goalDraw) *krPlan {
	r := g.r
	g.krID += 1 + int64(r.IntN(2))
	kp := &krPlan{}
	k := &kp.k
	k.ID, k.GoalID = g.krID, d.goal.ID
	k.OwnerID = d.owner.ID
	if ki > 0 && r.IntN(100) < 30 {
		k.OwnerID = g.randomUser().ID
	}
	k.RealOwnerID = k.OwnerID
	if r.IntN(100) < 8 {
		k.RealOwnerID = g.randomUser().ID
	}
	k.CreatedBy = d.owner.ID
	k.Name = krNames[r.IntN(len(krNames))]
	n := g.cfg.CheckinsPerKR // check-in slots due by the anchor (or by a closed goal's end)
	if n > 2 {
		n += r.IntN(5) - 2
	}
	g.cadence(kp, n)
	last := g.anchor
	if d.closed {
		last = d.end
	}
	dues := kp.dueTimes(n, last, d.horizon, d.closed)
	if k.Interval.ID == "2" {
		k.IntervalDay = time.Unix(dues[0], 0).UTC().Weekday().String()
	}
	g.measure(k)
	g.history(kp, d, dues, n)
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
	if d.closed {
		k.Status = "2"
	}
	k.Permission = d.goal.Permission
	return kp
}

// cadence draws how often the key result is updated: daily, weekly or monthly (never monthly
// with more than six slots).
func (g *generator) cadence(kp *krPlan, n int) {
	roll := g.r.IntN(100)
	switch {
	case roll < 20:
		kp.k.Interval, kp.interval = IDName{"1", "Daily"}, 24*time.Hour
	case roll < 85 || n > 6:
		kp.k.Interval, kp.interval = IDName{"2", "Weekly"}, 7*24*time.Hour
	default:
		kp.k.Interval, kp.monthly = IDName{"3", "Monthly"}, true
	}
}

// dueTimes lays out the check-in slots: n slots, one per cadence period, the last one period
// before last; an active goal's key result (closed false) gets further slots up to horizon.
func (kp *krPlan) dueTimes(n int, last, horizon int64, closed bool) []int64 {
	dueAt := func(i int) int64 {
		if kp.monthly {
			return time.Unix(last, 0).UTC().AddDate(0, i-n, 0).Unix()
		}
		return last - int64(n-i)*int64(kp.interval/time.Second)
	}
	dues := make([]int64, 0, n+16)
	for i := 0; ; i++ {
		d := dueAt(i)
		if i >= n && (closed || d > horizon) {
			return dues
		}
		dues = append(dues, d)
	}
}

// measure draws the key result's unit, counting type and progress type, then its initial
// value and target.
func (g *generator) measure(k *KeyResult) {
	r := g.r
	roll := r.IntN(100)
	switch {
	case roll < 60:
		k.Unit = IDName{"1", "Number"}
	case roll < 80:
		k.Unit = IDName{"2", "Currency"}
	default:
		k.Unit = IDName{"3", "Percentage"}
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
	g.targets(k)
}

// unitDecimals is how many decimals a key result's values have in its unit: none for
// currency, one for percentages, two for numbers.
func unitDecimals(unitID string) int {
	switch unitID {
	case "2":
		return 0
	case "3":
		return 1
	}
	return 2
}

// targets draws the key result's initial value and target: a range that suits its unit,
// starting at 0 for a total, reversed when counting down, never empty.
func (g *generator) targets(k *KeyResult) {
	r := g.r
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
	decimals := unitDecimals(k.Unit.ID)
	if k.CountingType.ID == "2" {
		k.InitialData, k.Target = round(lo+span, decimals), round(lo, decimals)
	} else {
		k.InitialData, k.Target = round(lo, decimals), round(lo+span, decimals)
	}
	if k.Target == k.InitialData {
		k.Target = k.InitialData + 1
	}
}

// history draws a value for every slot due at dues (n of them due by the anchor or a closed
// goal's end) and, for the slots that are not missed, when and by whom it was entered, a
// comment and confidence changes. The key result performs at a drawn fraction of its plan.
func (g *generator) history(kp *krPlan, d *goalDraw, dues []int64, n int) {
	r, k := g.r, &kp.k
	perf := 0.35 + r.Float64()*0.8
	// total is the number of slots the KR is planned over: for an active goal the slots due
	// by the anchor plus two, so progress trends upward as AsOf moves on (values past the
	// plan simply exceed it; progress is capped at 100).
	total := float64(n + 2)
	if d.closed {
		total = float64(n)
	}
	conf := []string{"3", "2", "1", "0"}[r.IntN(3)]
	kp.slots = make([]slotPlan, 0, len(dues))
	for i, due := range dues {
		g.slotID++
		s := slotPlan{id: g.slotID, due: due}
		s.value = g.slotValue(k, float64(i+1)/total, total, perf)
		s.missed = r.IntN(100) < 12
		if !s.missed {
			conf = g.checkIn(kp, &s, d.owner, conf)
		}
		kp.slots = append(kp.slots, s)
	}
}

// slotValue draws the value entered in a slot a fraction f of the way through the plan of
// total slots: a share of the target for a total, a level around the plan for the others.
func (g *generator) slotValue(k *KeyResult, f, total, perf float64) float64 {
	delta := k.Target - k.InitialData
	decimals := unitDecimals(k.Unit.ID)
	switch k.ProgressType.ID {
	case "2":
		return round(delta*perf/total*(0.7+0.6*g.r.Float64()), decimals)
	case "3":
		return round(k.InitialData+delta*perf*(0.5+0.5*f)*(0.9+0.2*g.r.Float64()), decimals)
	default:
		return round(k.InitialData+delta*perf*f*(0.92+0.16*g.r.Float64()), decimals)
	}
}

// checkIn draws when and by whom slot s was entered (the goal's owner enters some of them),
// its comment and, sometimes, a confidence change from conf (occasionally corrected at the
// same instant). It returns the confidence after the check-in.
func (g *generator) checkIn(kp *krPlan, s *slotPlan, goalOwner *User, conf string) string {
	r := g.r
	s.updated = s.due + 1200 + int64(r.IntN(30*3600))
	s.by = kp.k.OwnerID
	if r.IntN(100) < 15 {
		s.by = goalOwner.ID
	}
	if r.IntN(100) < 30 {
		s.comment = checkinComments[r.IntN(len(checkinComments))]
	}
	if r.IntN(100) < 30 {
		levels := []string{"0", "1", "2", "3"}
		conf = levels[max(0, min(3, int(conf[0]-'0')+r.IntN(3)-1))]
		at := s.updated + int64(r.IntN(600))
		kp.conf = append(kp.conf, Confidence{Value: conf, Comment: confComments[r.IntN(len(confComments))], ModifiedAt: at, MetricDataID: s.id})
		if r.IntN(100) < 15 {
			conf = levels[r.IntN(4)]
			kp.conf = append(kp.conf, Confidence{Value: conf, Comment: "Corrected.", ModifiedAt: at, MetricDataID: s.id})
		}
	}
	return conf
}
