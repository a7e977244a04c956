package wbtest

import (
	"fmt"
	"sort"
)

// listingOrder is the order GET /goal lists goals in: by owner, then by goal id.
func listingOrder(goals []*Goal) []*Goal {
	order := append([]*Goal(nil), goals...)
	sort.SliceStable(order, func(i, j int) bool {
		if order[i].OwnerID != order[j].OwnerID {
			return order[i].OwnerID < order[j].OwnerID
		}
		return order[i].ID < order[j].ID
	})
	return order
}

// DriftGoals returns the goals that appear mid-listing with WithGoalDrift(n > 0).
func (s *Server) DriftGoals() []*Goal { return s.drift }

// makeDriftGoals creates the n goals WithGoalDrift(n) adds: personal, active, without key
// results, created a minute before AsOf, with ids above every goal of the org.
func (s *Server) makeDriftGoals(n int) {
	s.driftByID = map[int64]*Goal{}
	maxID := int64(0)
	for _, g := range s.org.Goals {
		maxID = max(maxID, g.ID)
	}
	at := s.org.AsOf.Unix() - 60
	for i := 0; i < n; i++ {
		owner := s.org.Users[i%len(s.org.Users)]
		g := &Goal{ID: maxID + 1000 + int64(i), Name: fmt.Sprintf("New goal created mid-export #%d", i+1),
			Type: IDName{"2", "Individual"}, OwnerID: owner.ID, OwnerFullName: owner.FullName(), CreateAt: at,
			ModifiedAt: at, CreatedBy: owner.ID, UpdatedBy: owner.ID, StartDate: at, TargetDate: at + 90*day,
			ProgressColor: ColorFor(0), Status: "1", Permission: "owner,manager"}
		s.drift = append(s.drift, g)
		s.driftByID[g.ID] = g
	}
}

// goalListing lists, in listing order, the goals keep accepts for the GET /goal page at
// offset. With WithGoalDrift(n) the goal set changes once, between the first offset=0 page
// the server serves and the next page: from then on every page, a fresh listing's first
// page included, is cut from the changed set, where the n new goals come first (n > 0) or
// the first -n goals are gone (n < 0).
func (s *Server) goalListing(keep func(*Goal) bool, offset int) []*Goal {
	drifted := s.driftApplied.Load() || (offset > 0 && s.firstPageServed.Load())
	if drifted && s.cfg.goalDrift != 0 {
		s.driftApplied.Store(true)
	}
	if offset == 0 {
		s.firstPageServed.Store(true)
	}
	var list []*Goal
	if s.cfg.goalDrift > 0 && drifted {
		for _, g := range s.drift {
			if keep(g) {
				list = append(list, g)
			}
		}
	}
	for _, g := range s.order {
		if keep(g) {
			list = append(list, g)
		}
	}
	if s.cfg.goalDrift < 0 && drifted {
		list = list[min(-s.cfg.goalDrift, len(list)):]
	}
	return list
}
