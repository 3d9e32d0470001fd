package web

import (
	"crypto/rand"
	"encoding/base64"
	"sync"
	"time"
)

// A secret HOLF makes and keeps only the hash of (a questionnaire link, a
// calendar feed's address) is shown once. The POST that makes it redirects
// to a page (so that a reload does not make another), and the secret waits
// here for that page's first view: in memory only, for its maker alone,
// for two minutes at most, and gone once read. A server restarted in those
// seconds loses it, and the page says to make a new one.
type onceStore struct {
	mu    sync.Mutex
	items map[string]onceItem
}

type onceItem struct {
	person  int64
	value   string
	expires time.Time
}

const onceTTL = 2 * time.Minute

// put keeps value for person and returns the key the redirect carries.
func (o *onceStore) put(person int64, value string) string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand never fails on the platforms Go supports
	key := base64.RawURLEncoding.EncodeToString(b)
	now := time.Now()
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.items == nil {
		o.items = map[string]onceItem{}
	}
	for k, it := range o.items {
		if now.After(it.expires) {
			delete(o.items, k)
		}
	}
	o.items[key] = onceItem{person: person, value: value, expires: now.Add(onceTTL)}
	return key
}

// take returns and forgets the value kept under key for person; ok is
// false when there is none (expired, read already, or another person's).
func (o *onceStore) take(person int64, key string) (string, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	it, ok := o.items[key]
	if !ok || it.person != person || time.Now().After(it.expires) {
		return "", false
	}
	delete(o.items, key)
	return it.value, true
}
