package serve

import (
	"bytes"
	"html"
	"strings"

	nethtml "golang.org/x/net/html"

	"github.com/ecowatch/ecowatch/access"
)

// filterPage rewrites a dashboards page for one reader: every link (<a href>) to a file of
// the site the reader may not open becomes plain text (a <span>), and the account bar is
// put into the element with id="account". The map's drill-down follows the links of the
// table beside it (the page's script reads a[data-map]), so it loses the same links. Everything
// else is copied byte for byte.
func filterPage(src []byte, allowed func(file string) bool, account string) []byte {
	z := nethtml.NewTokenizer(bytes.NewReader(src))
	var out bytes.Buffer
	out.Grow(len(src) + len(account))
	inDropped := false
	for {
		tt := z.Next()
		if tt == nethtml.ErrorToken {
			break // io.EOF: the whole page is copied
		}
		raw := z.Raw()
		switch tt {
		case nethtml.StartTagToken:
			name, hasAttr := z.TagName()
			var attrs [][2]string
			for hasAttr {
				var k, v []byte
				k, v, hasAttr = z.TagAttr()
				attrs = append(attrs, [2]string{string(k), string(v)})
			}
			switch string(name) {
			case "a":
				if href, ok := attr(attrs, "href"); ok && !allowed(siteTarget(href)) {
					out.WriteString(`<span class="nolink">`)
					inDropped = true
					continue
				}
			case "div":
				if id, _ := attr(attrs, "id"); id == "account" {
					out.Write(raw)
					out.WriteString(account)
					continue
				}
			}
		case nethtml.EndTagToken:
			if name, _ := z.TagName(); string(name) == "a" && inDropped {
				out.WriteString("</span>")
				inDropped = false
				continue
			}
		}
		out.Write(raw)
	}
	return out.Bytes()
}

func attr(attrs [][2]string, key string) (string, bool) {
	for _, a := range attrs {
		if a[0] == key {
			return a[1], true
		}
	}
	return "", false
}

// siteTarget is the file of the site a relative link names ("" for anything else: anchors,
// other folders, other sites).
func siteTarget(href string) string {
	if href == "" || strings.ContainsAny(href, ":/?#\\") {
		return ""
	}
	return href
}

// accountBar is what the account element of a page shows: who is signed in and, for a
// password session, the sign-out button.
func accountBar(u access.User) string {
	where := "全国"
	if !u.Scope.IsNation() {
		where = u.Scope.Name
	}
	s := `<span class="who">` + html.EscapeString(u.Name) + `（` + html.EscapeString(where) + `）</span>`
	if u.Via == access.ViaPassword {
		s += `<form method="post" action="/-/signout"><button type="submit">退出登录</button></form>`
	}
	return s
}
