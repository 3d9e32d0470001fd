// Package i18n owns HOLF's user-facing text: one JSON catalog per language
// (locales/*.json, embedded), lookup with fallback to Norwegian bokmål, and
// choosing a language for a request. Adding a language is adding a file.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"slices"
	"strings"
)

//go:embed locales/*.json locales/print/*.json
var localeFS embed.FS

// Default is the language used when nothing else is chosen.
const Default = "nb"

// Catalog holds every language's messages.
type Catalog struct {
	msgs  map[string]map[string]string
	langs []string
	// frames are the partial catalogs of the family's printed plan
	// (locales/print/*.json): its frame in the languages the families
	// speak, beside the full catalogs. "_dir" is the script's direction.
	frames     map[string]map[string]string
	frameLangs []string
}

// Load reads the embedded catalogs.
func Load() (*Catalog, error) {
	var c Catalog
	var err error
	if c.msgs, c.langs, err = readCatalogs("locales"); err != nil {
		return nil, err
	}
	if _, ok := c.msgs[Default]; !ok {
		return nil, fmt.Errorf("locale %s missing", Default)
	}
	if c.frames, c.frameLangs, err = readCatalogs("locales/print"); err != nil {
		return nil, err
	}
	return &c, nil
}

// readCatalogs reads the catalogs (*.json) of dir, by language code, and
// the codes in order; folders below it are not catalogs of its kind.
func readCatalogs(dir string) (map[string]map[string]string, []string, error) {
	entries, err := fs.ReadDir(localeFS, dir)
	if err != nil {
		return nil, nil, err
	}
	out := map[string]map[string]string{}
	var langs []string
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		b, err := fs.ReadFile(localeFS, path.Join(dir, e.Name()))
		if err != nil {
			return nil, nil, err
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, nil, fmt.Errorf("locale %s/%s: %w", dir, e.Name(), err)
		}
		lang := strings.TrimSuffix(e.Name(), ".json")
		out[lang], langs = m, append(langs, lang)
	}
	slices.Sort(langs)
	return out, langs, nil
}

// FrameLanguages lists the languages the printed plan's frame is offered
// in: every full catalog and the print catalogs.
func (c *Catalog) FrameLanguages() []string { return append(slices.Clone(c.langs), c.frameLangs...) }

// FrameKeys lists the keys of print catalog lang ("" when it is none).
func (c *Catalog) FrameKeys(lang string) []string { return slices.Sorted(maps.Keys(c.frames[lang])) }

// Frame is T for the printed plan: a print catalog's message when lang has
// one, else the full catalog's.
func (c *Catalog) Frame(lang, key string, args ...any) string {
	if msg, ok := c.frames[lang][key]; ok {
		return c.format(lang, msg, args)
	}
	return c.T(lang, key, args...)
}

// Dir is the direction of lang's script: "rtl" or "ltr".
func (c *Catalog) Dir(lang string) string {
	if d := c.frames[lang]["_dir"]; d == "rtl" {
		return d
	}
	return "ltr"
}

// MustLoad is Load for program start, where a broken catalog is a build error.
func MustLoad() *Catalog {
	c, err := Load()
	if err != nil {
		panic(err)
	}
	return c
}

// Languages lists the available language codes.
func (c *Catalog) Languages() []string { return c.langs }

// Has reports whether lang has a catalog.
func (c *Catalog) Has(lang string) bool { _, ok := c.msgs[lang]; return ok }

// Keys returns the keys of lang's catalog.
func (c *Catalog) Keys(lang string) []string { return slices.Sorted(maps.Keys(c.msgs[lang])) }

// T returns the message for key in lang, formatted with args (fmt verbs).
// A key missing in lang falls back to the default language, and a key missing
// everywhere is returned as is, so a gap shows instead of breaking a page
// (tests check that every catalog has every key).
func (c *Catalog) T(lang, key string, args ...any) string {
	msg, ok := c.msgs[lang][key]
	if !ok {
		msg, ok = c.msgs[Default][key]
	}
	if !ok {
		return key
	}
	return c.format(lang, msg, args)
}

// format fills msg with args, each argument that is itself a catalog key
// (Keyed) translated into lang first.
func (c *Catalog) format(lang, msg string, args []any) string {
	if len(args) == 0 {
		return msg
	}
	out := make([]any, len(args))
	for i, a := range args {
		if k, ok := a.(Keyed); ok {
			a = c.T(lang, k.CatalogKey())
		}
		out[i] = a
	}
	return fmt.Sprintf(msg, out...)
}

// Keyed is a message argument that is itself a catalog key (a category's
// name inside a sentence): T translates it into the same language.
type Keyed interface{ CatalogKey() string }

// N returns the message for key in lang for the count n, formatted with n
// and then args. A counted message has one key per plural category of the
// language ("key.one", "key.other"; CLDR's categories, so that a language
// with more forms adds keys, not code); a category a catalog lacks falls
// back to "other".
func (c *Catalog) N(lang, key string, n int, args ...any) string {
	all := append([]any{n}, args...)
	if k := key + "." + Plural(lang, n); c.has(lang, k) {
		return c.T(lang, k, all...)
	}
	return c.T(lang, key+".other", all...)
}

// HasKey reports whether key has a message in lang or the default.
func (c *Catalog) HasKey(lang, key string) bool { return c.has(lang, key) }

func (c *Catalog) has(lang, key string) bool {
	if _, ok := c.msgs[lang][key]; ok {
		return true
	}
	_, ok := c.msgs[Default][key]
	return ok
}

// Plural is the CLDR plural category of the whole number n in lang: "one"
// or "other" for the Germanic languages HOLF has (nb, nn, en, sv, da, de),
// and "other" for languages it does not know yet.
func Plural(lang string, n int) string {
	switch lang {
	case "nb", "nn", "no", "en", "sv", "da", "de":
		if n == 1 {
			return "one"
		}
	}
	return "other"
}

// Match picks the best supported language from an explicit choice (cookie)
// and an Accept-Language header.
func (c *Catalog) Match(choice, acceptLanguage string) string {
	if c.Has(choice) {
		return choice
	}
	for _, part := range strings.Split(acceptLanguage, ",") {
		tag := strings.ToLower(strings.TrimSpace(strings.SplitN(part, ";", 2)[0]))
		base := strings.SplitN(tag, "-", 2)[0]
		switch base {
		case "no", "nn", "nb":
			base = "nb"
		}
		if c.Has(base) {
			return base
		}
	}
	return Default
}
