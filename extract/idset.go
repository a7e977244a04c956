package extract

// idSet is a set of int64 ids in one flat table (open addressing, linear probing, at most
// three quarters full): 8 to 16 bytes per id, against about 40 for a map[int64]bool. It holds
// the check-in ids of an export (3 million at 100,000 goals: 32 MiB).
type idSet struct {
	slots []uint64 // 0: empty; id 0 is kept in zero
	n     int
	zero  bool
}

const idSetMin = 1 << 10

// add adds id and reports whether it was new.
func (s *idSet) add(id int64) bool {
	if id == 0 {
		added := !s.zero
		s.zero = true
		return added
	}
	if (s.n+1)*4 > len(s.slots)*3 {
		s.grow()
	}
	if !s.put(uint64(id)) {
		return false
	}
	s.n++
	return true
}

// put stores v (non-zero) in the table; false when it is there already.
func (s *idSet) put(v uint64) bool {
	mask := uint64(len(s.slots) - 1)
	for i := (v * 0x9e3779b97f4a7c15) >> 7 & mask; ; i = (i + 1) & mask {
		switch s.slots[i] {
		case 0:
			s.slots[i] = v
			return true
		case v:
			return false
		}
	}
}

// grow doubles the table (or makes the first one) and re-inserts every id.
func (s *idSet) grow() {
	old := s.slots
	s.slots = make([]uint64, max(idSetMin, 2*len(old)))
	for _, v := range old {
		if v != 0 {
			s.put(v)
		}
	}
}
