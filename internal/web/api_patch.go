package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/holf-project/holf"
)

// The API's optimistic locking and partial updates, written once: every
// resource has an ETag made of its kind, id and version; a write needs
// If-Match with the ETag last read, and a PATCH is a JSON merge patch
// (RFC 7396) applied to the resource's own JSON representation.

func etag(kind string, id, version int64) string {
	return fmt.Sprintf(`"%s-%d-v%d"`, kind, id, version)
}

// ifMatch checks a write's If-Match against the resource's current ETag:
// missing is 428, another ETag 412; "*" matches any current version.
func ifMatch(r *http.Request, kind string, id, version int64) error {
	match := r.Header.Get("If-Match")
	switch {
	case match == "":
		return &holf.Error{Code: holf.EPreconditionRequired, Message: "send If-Match with the ETag you last read"}
	case match == "*" || match == etag(kind, id, version):
		return nil
	}
	return stale(kind)
}

func stale(kind string) *holf.Error {
	return &holf.Error{Code: holf.EPrecondition, Message: fmt.Sprintf("the %s was changed since you read it; read it again", kind)}
}

// precondition turns the conflict of a write that lost a race after its
// If-Match was checked into the 412 the API promises.
func precondition(kind string, err error) error {
	if holf.ErrorCode(err) == holf.EConflict {
		e := stale(kind)
		e.Err = err
		return e
	}
	return err
}

// writeVersioned answers with a resource and its ETag.
func writeVersioned(w http.ResponseWriter, status int, kind string, id, version int64, body any) error {
	w.Header().Set("ETag", etag(kind, id, version))
	return writeJSON(w, status, body)
}

// patchRules say which members of a representation a merge patch may
// change, and which of those may not be removed with null.
type patchRules struct {
	changeable []string
	required   []string
}

// mergePatch reads a JSON merge patch (RFC 7396) from r, applies it to
// current (the resource as the API shows it) and decodes the result into
// out with the usual strictness. It returns the members the patch names.
func mergePatch(r *http.Request, current any, rules patchRules, out any) (map[string]json.RawMessage, error) {
	var patch map[string]json.RawMessage
	if err := decodeJSON(r, &patch); err != nil {
		return nil, err
	}
	for k, v := range patch {
		if !slices.Contains(rules.changeable, k) {
			return nil, badJSON("field %q cannot be changed (changeable: %s)", k, strings.Join(rules.changeable, ", "))
		}
		if string(v) == "null" && slices.Contains(rules.required, k) {
			return nil, badJSON("field %q cannot be removed", k)
		}
	}
	base, err := json.Marshal(current)
	if err != nil {
		return nil, err
	}
	var doc any
	if err := json.Unmarshal(base, &doc); err != nil {
		return nil, err
	}
	var p any
	raw, _ := json.Marshal(patch)
	if err := json.Unmarshal(raw, &p); err != nil {
		return nil, err
	}
	merged, err := json.Marshal(mergeValue(doc, p))
	if err != nil {
		return nil, err
	}
	rr := r.Clone(r.Context())
	rr.Body = io.NopCloser(bytes.NewReader(merged))
	rr.Header.Set("Content-Type", "application/json")
	return patch, decodeJSON(rr, out)
}

// mergeValue is RFC 7396's MergePatch(target, patch): objects merge member
// by member, null removes a member, anything else replaces the target.
func mergeValue(target, patch any) any {
	p, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	t, ok := target.(map[string]any)
	if !ok {
		t = map[string]any{}
	}
	for k, v := range p {
		if v == nil {
			delete(t, k)
			continue
		}
		t[k] = mergeValue(t[k], v)
	}
	return t
}
