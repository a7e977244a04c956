package wbtest

import (
	"cmp"
	"net/http"
	"strconv"
	"strings"
)

// DefaultMaxKRTagIDs is the most metric_ids GET /metric/krtags accepts by default (the real
// limit is unknown).
const DefaultMaxKRTagIDs = 100

// WithMaxKRTagIDs sets the most metric_ids one GET /metric/krtags accepts; a longer list is a
// 400 invalid_request naming metric_ids (default DefaultMaxKRTagIDs).
func WithMaxKRTagIDs(n int) Option { return func(c *config) { c.maxKRTagIDs = n } }

// handleTags serves GET /tags: the org's tags, paged, filtered by ?status= and ?group_id=.
func (s *Server) handleTags(r *http.Request, _ caller) (reply, *apiError) {
	q := r.URL.Query()
	limit, offset, err := s.paging(q)
	if err != nil {
		return reply{}, err
	}
	var tags []*Tag
	for _, t := range s.org.Tags {
		if (q.Get("status") == "" || q.Get("status") == t.Status) && (q.Get("group_id") == "" || q.Get("group_id") == strconv.FormatInt(t.GroupID, 10)) {
			tags = append(tags, t)
		}
	}
	lo, hi := window(len(tags), limit, offset)
	page := tags[lo:hi]
	return reply{key: "tags", total: len(tags), writeValue: func(e *encoder) {
		e.beginArray()
		for _, t := range page {
			e.beginObject()
			writeTagCommon(e, t)
			e.quotedInt("created_date", t.CreatedDate)
			e.quotedInt("created_by", t.CreatedBy)
			writeTagUpdate(e, t)
			e.endObject()
		}
		e.endArray()
	}}, nil
}

// handleKRTags serves GET /metric/krtags?metric_ids=1,2,3: each known key result with its
// tags (items without created_*, updated_* never null); unknown ids are left out.
func (s *Server) handleKRTags(r *http.Request, _ caller) (reply, *apiError) {
	v := r.URL.Query().Get("metric_ids")
	if strings.TrimSpace(v) == "" {
		return reply{}, badRequest("missing_required_parameters", "metric_ids is required.")
	}
	parts := strings.Split(v, ",")
	if len(parts) > s.cfg.maxKRTagIDs {
		return reply{}, badRequest("invalid_request", "metric_ids accepts at most %d ids, got %d.", s.cfg.maxKRTagIDs, len(parts))
	}
	var krs []*KeyResult
	for _, p := range parts {
		id, err := parseID(p, "metric_ids")
		if err != nil {
			return reply{}, err
		}
		if k := s.org.KeyResult(id); k != nil {
			krs = append(krs, k)
		}
	}
	return reply{key: "metrics", total: len(krs), writeValue: func(e *encoder) {
		e.beginArray()
		for _, k := range krs {
			e.beginObject()
			e.quotedInt("id", k.ID)
			e.str("name", k.Name)
			e.name("tags")
			e.beginArray()
			for _, id := range k.TagIDs {
				t := s.org.Tag(id)
				e.beginObject()
				writeTagCommon(e, t)
				// never null here: a tag never updated shows its creation (as in the fixture)
				e.quotedInt("updated_by", cmp.Or(t.UpdatedBy, t.CreatedBy))
				e.quotedInt("updated_date", cmp.Or(t.UpdatedDate, t.CreatedDate))
				e.endObject()
			}
			e.endArray()
			e.endObject()
		}
		e.endArray()
	}}, nil
}

// writeTagCommon writes the members of a tag that every tag listing has (status a string).
func writeTagCommon(e *encoder, t *Tag) {
	e.quotedInt("id", t.ID)
	e.str("name", t.Name)
	e.str("status", t.Status)
	e.quotedInt("group_id", t.GroupID)
	e.str("group_name", t.GroupName)
	e.str("group_status", t.GroupStatus)
}

// writeTagUpdate writes updated_date and updated_by, null when the tag was never updated.
func writeTagUpdate(e *encoder, t *Tag) {
	e.quotedIntOrNull("updated_date", t.UpdatedDate)
	e.quotedIntOrNull("updated_by", t.UpdatedBy)
}
