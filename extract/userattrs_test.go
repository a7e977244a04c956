package extract

import (
	"context"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/wbexport/wbexport/schemas"
)

// TestUserListingCustomAttributes checks that the user listing asks for custom_attributes=1
// by default, not when WithUserCustomAttributes(false), and that the attributes reach the
// user record verbatim.
func TestUserListingCustomAttributes(t *testing.T) {
	const attrs = `[{"id":"7","name":"Region","value":"EMEA"}]`
	for _, tc := range []struct {
		name      string
		opts      []any
		wantParam string
		wantAttrs string
	}{
		{name: "default", wantParam: "1", wantAttrs: attrs},
		{name: "turned off", opts: []any{WithUserCustomAttributes(false)}, wantParam: "", wantAttrs: ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				got = append(got, r.URL.Query().Get("custom_attributes"))
				profile := `{"title":"Analyst"}`
				if r.URL.Query().Get("custom_attributes") == "1" {
					profile = `{"title":"Analyst","custom_attributes":` + attrs + `}`
				}
				writeJSON(w, 200, []byte(`{"success":true,"data":{"totalCount":1,"user":[{"user_id":"5","profile":`+profile+`}]}}`))
			})
			ex := newTestExporter(t, h, tc.opts...)
			col := &collector{}
			if _, err := ex.Export(context.Background(), plan(t, schemas.Users), col.emit); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string{tc.wantParam}, got); diff != "" {
				t.Errorf("custom_attributes= of the user listing (-want +got):\n%s", diff)
			}
			if len(col.all.Users) != 1 {
				t.Fatalf("%d users, want 1", len(col.all.Users))
			}
			if diff := cmp.Diff(tc.wantAttrs, string(col.all.Users[0].CustomAttributesJSON)); diff != "" {
				t.Errorf("custom attributes (-want +got):\n%s", diff)
			}
		})
	}
}
