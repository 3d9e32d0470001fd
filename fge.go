package holf

import (
	"embed"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
)

// The FGE form's check lists (which forms, conversation tools and guidance
// principles a meeting emphasises) are versioned data, in bokmål and
// English, like the questionnaire instruments: a meeting records the
// version it was prepared with and is always shown in that version's
// wording. A change of wording is a new file, fge/vN.json.
//
//go:embed fge/*.json
var fgeFS embed.FS

// FGEItem is one entry of a check list, with its full wording.
type FGEItem struct {
	Key string `json:"key"`
	NB  string `json:"nb"`
	EN  string `json:"en"`
}

// Text is the item's wording in language lang ("nb" or "en").
func (i FGEItem) Text(lang string) string {
	if lang == "en" {
		return i.EN
	}
	return i.NB
}

// FGECatalog is one version of the check lists.
type FGECatalog struct {
	Version    int       `json:"version"`
	ValidFrom  string    `json:"valid_from"`
	Source     string    `json:"source"`
	Forms      []FGEItem `json:"forms"`
	Tools      []FGEItem `json:"tools"`
	Principles []FGEItem `json:"principles"`
}

func keysOf(items []FGEItem) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.Key
	}
	return out
}

// Has reports whether key is an item of list ("forms", "tools", "principles").
func (c *FGECatalog) Has(list, key string) bool {
	return slices.Contains(keysOf(c.list(list)), key)
}

func (c *FGECatalog) list(name string) []FGEItem {
	switch name {
	case "forms":
		return c.Forms
	case "tools":
		return c.Tools
	case "principles":
		return c.Principles
	}
	return nil
}

var fgeCatalogs = func() map[int]*FGECatalog {
	out := map[int]*FGECatalog{}
	files, err := fgeFS.ReadDir("fge")
	if err != nil {
		panic(err)
	}
	for _, f := range files {
		raw, err := fgeFS.ReadFile("fge/" + f.Name())
		if err != nil {
			panic(err)
		}
		var c FGECatalog
		if err := json.Unmarshal(raw, &c); err != nil {
			panic(fmt.Sprintf("fge/%s: %v", f.Name(), err))
		}
		if c.Version < 1 || out[c.Version] != nil || len(c.Principles) != 5 {
			panic(fmt.Sprintf("fge/%s: a version of its own and the model's five principles", f.Name()))
		}
		out[c.Version] = &c
	}
	return out
}()

// FGE returns version v of the check lists, or the current one for v 0 or
// a version that does not exist.
func FGE(v int) *FGECatalog {
	if c, ok := fgeCatalogs[v]; ok {
		return c
	}
	return CurrentFGE()
}

// CurrentFGE is the newest version of the check lists: new meetings are
// prepared with it.
func CurrentFGE() *FGECatalog {
	vs := make([]int, 0, len(fgeCatalogs))
	for v := range fgeCatalogs {
		vs = append(vs, v)
	}
	sort.Ints(vs)
	return fgeCatalogs[vs[len(vs)-1]]
}
