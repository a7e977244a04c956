package wbtest

import (
	"fmt"
	"strings"
)

// users draws the org's users. The first is the Data-Admin token's user, the second the
// ordinary token's.
func (g *generator) users() {
	id := int64(180200)
	for i := 0; i < g.cfg.Users; i++ {
		id += 1 + int64(g.r.IntN(3))
		g.p.users = append(g.p.users, g.user(i, id))
	}
	g.p.admin = g.p.users[0].ID
	g.p.tokenU = g.p.users[1].ID
}

// user draws the i-th user, whose id is id; the users before it are in g.p.users.
func (g *generator) user(i int, id int64) *User {
	r := g.r
	u := &User{ID: id, Company: g.p.name, Status: "active"}
	u.FirstName, u.LastName = g.personName(i)
	u.UserName = asciiHandle(u.FirstName, u.LastName, id)
	u.Email = u.UserName + "@example.com"
	u.WBEmail = fmt.Sprintf("%s.%d@inbox.example.test", u.UserName, id)
	if r.IntN(2) == 0 {
		c := fmt.Sprintf("+1 555 %04d", r.IntN(10000))
		u.CellNum = &c
	}
	u.CreateAt = g.anchor - int64(30+r.IntN(1500))*day - int64(r.IntN(int(day)))
	u.LastVisitedAt = g.anchor - int64(r.IntN(int(20*day)))
	u.Picture = fmt.Sprintf("https://img.example-cdn.test/wb/avatars/%d.png", id)
	u.TimeZone = g.pick(timeZones)
	if r.IntN(100) < 85 {
		u.ExternalID = fmt.Sprintf("EMP-%06d", 100+i*7)
	}
	u.CreatedFrom = []string{"api", "web", "scim"}[r.IntN(3)]
	u.Title = g.pick(titles)
	u.IsReadOnly = i > 1 && r.IntN(100) < 6
	u.CustomAttributes = []UserAttribute{
		{ID: 7, Name: "Cost Center", Value: fmt.Sprintf("CC-%d", 4400+r.IntN(40))},
		{ID: 9, Name: "Region", Value: []string{"North America", "EMEA", "APAC", "LATAM"}[r.IntN(4)]},
	}
	g.orgRoles(i, u)
	u.Managers = g.managers(i)
	return u
}

// personName draws the i-th user's first and last name: mostly Latin-script names, with
// CJK (every 17th user from the 6th) and emoji (every 23rd from the 8th) names mixed in.
func (g *generator) personName(i int) (first, last string) {
	switch {
	case i > 0 && i%17 == 5:
		n := cjkNames[g.r.IntN(len(cjkNames))]
		return n[0], n[1]
	case i > 0 && i%23 == 7:
		return g.pick(emojiNames), g.pick(lastNames)
	default:
		return g.pick(firstNames), g.pick(lastNames)
	}
}

// orgRoles draws u's org roles; the first user is the Data-Admin (roles 6 and 10).
func (g *generator) orgRoles(i int, u *User) {
	roll := g.r.IntN(100)
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
}

// managers draws the i-th user's managers among the users before it: usually one direct
// manager, sometimes also a dotted-line one; nil for the first user and a few others.
func (g *generator) managers(i int) []Manager {
	r := g.r
	if i == 0 || r.IntN(100) >= 92 {
		return nil
	}
	j := r.IntN(i)
	ms := []Manager{{UserID: g.p.users[j].ID, Role: "1"}}
	if i > 2 && r.IntN(100) < 10 {
		if k := r.IntN(i); k != j {
			ms = append(ms, Manager{UserID: g.p.users[k].ID, Role: "2"})
		}
	}
	return ms
}

// asciiHandle is a user_name: "first.last" in lower case (spaces and apostrophes dropped)
// plus the id's last three digits when both names are ASCII letters, hyphens, apostrophes
// (and spaces in the last name); else "user<id>".
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
