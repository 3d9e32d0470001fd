// Package audit owns the rules of HOLF's audit log: how each entry is chained
// to the one before it, and how a chain is verified. Storage appends entries
// and walks them; this package decides what counts as intact.
package audit

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"strconv"

	"github.com/holf-project/holf"
)

// TimeFormat is how an entry's time enters its hash; it matches storage.
const TimeFormat = "2006-01-02T15:04:05.000000Z"

// Hash returns the hex SHA-256 of prev and ev's fields: the links of the
// entries written before the chain was keyed.
func Hash(prev string, ev holf.AuditEvent) string {
	h := sha256.New()
	writeFields(h, "holf-audit-v1", prev, ev)
	return hex.EncodeToString(h.Sum(nil))
}

// writeFields writes the fields an entry's link covers, each
// length-prefixed so that no two different entries serialise alike; more
// are appended after them by later versions.
func writeFields(w io.Writer, version, prev string, ev holf.AuditEvent, more ...string) {
	field := func(s string) {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		_, _ = w.Write(n[:])
		_, _ = w.Write([]byte(s))
	}
	for _, s := range append([]string{version, prev, strconv.FormatInt(ev.Seq, 10), ev.At.UTC().Format(TimeFormat),
		strconv.FormatInt(ev.ActorID, 10), ev.Actor, string(ev.Role), ev.Action, ev.RecordType,
		strconv.FormatInt(ev.RecordID, 10), ev.Purpose}, more...) {
		field(s)
	}
}

// BrokenError names the first entry at which a chain fails verification.
type BrokenError struct {
	Seq    int64
	Reason string
}

func (e *BrokenError) Error() string {
	return fmt.Sprintf("audit log broken at entry %d: %s", e.Seq, e.Reason)
}

// Verifier checks entries one at a time, in sequence order: each link,
// keyed with Key from entry KeyedFrom on (SHA-256 before it, for entries
// that predate the key), and the hash at every checkpoint's sequence number.
type Verifier struct {
	Key       Key
	KeyedFrom int64
	// Pinned maps sequence numbers to the hashes signed checkpoints hold.
	Pinned  map[int64]string
	prev    string
	lastSeq int64
	Count   int64
}

// Resume starts the walk after entry seq with hash prev, for a check of the
// chain's newest part only.
func (v *Verifier) Resume(seq int64, prev string) { v.lastSeq, v.prev = seq, prev }

// Next checks ev against the chain so far.
func (v *Verifier) Next(ev holf.AuditEvent) error {
	if ev.Seq != v.lastSeq+1 {
		return &BrokenError{Seq: v.lastSeq + 1, Reason: fmt.Sprintf("entry missing (next stored entry is %d)", ev.Seq)}
	}
	if ev.PrevHash != v.prev {
		return &BrokenError{Seq: ev.Seq, Reason: "link to the previous entry does not match"}
	}
	want := Hash(v.prev, ev)
	if v.KeyedFrom > 0 && ev.Seq >= v.KeyedFrom {
		want = v.Key.MAC(v.prev, ev)
	}
	if !hmac.Equal([]byte(want), []byte(ev.Hash)) {
		return &BrokenError{Seq: ev.Seq, Reason: "entry content does not match its hash (altered)"}
	}
	if pin, ok := v.Pinned[ev.Seq]; ok && pin != ev.Hash {
		return &BrokenError{Seq: ev.Seq, Reason: "entry differs from the signed checkpoint (the log was rewritten)"}
	}
	v.prev, v.lastSeq = ev.Hash, ev.Seq
	v.Count++
	return nil
}

// End checks that the chain ends where the recorded head says it does,
// which detects deletion of the newest entries, and reaches every
// checkpoint, which detects truncation that also rewound the head.
func (v *Verifier) End(headSeq int64, headHash string) error {
	for seq := range v.Pinned {
		if seq > v.lastSeq {
			return &BrokenError{Seq: v.lastSeq + 1, Reason: fmt.Sprintf("the log ends at entry %d but a signed checkpoint holds entry %d (entries deleted)", v.lastSeq, seq)}
		}
	}
	if headSeq != v.lastSeq {
		return &BrokenError{Seq: v.lastSeq + 1, Reason: fmt.Sprintf("log ends at entry %d but the head records %d (entries deleted)", v.lastSeq, headSeq)}
	}
	if headHash != v.prev {
		return &BrokenError{Seq: headSeq, Reason: "the head's hash does not match the last entry"}
	}
	return nil
}
