package audit

import (
	"bufio"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/holf-project/holf"
)

// Key is the secret that keys the chain. It lives outside the database (a
// file, or the environment), so that someone who can write to the database
// cannot recompute the chain after changing it.
type Key []byte

// KeySize is the length of a key in bytes.
const KeySize = 32

// NewKey draws a key.
func NewKey() Key {
	k := make(Key, KeySize)
	if _, err := rand.Read(k); err != nil {
		panic(fmt.Sprintf("crypto/rand: %v", err))
	}
	return k
}

// LoadKey reads the key at path, or creates it (readable by the owner
// only) when there is none. A value "base64:…" is the key itself (for an
// environment variable) instead of a path.
func LoadKey(path string) (Key, error) {
	if rest, ok := strings.CutPrefix(path, "base64:"); ok {
		k, err := base64.StdEncoding.DecodeString(rest)
		if err != nil || len(k) != KeySize {
			return nil, fmt.Errorf("audit key: base64 of %d bytes expected", KeySize)
		}
		return k, nil
	}
	b, err := os.ReadFile(path) // #nosec G304 -- the operator's own key file
	if errors.Is(err, os.ErrNotExist) {
		k := NewKey()
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, err
		}
		if err := os.WriteFile(path, []byte(base64.StdEncoding.EncodeToString(k)+"\n"), 0o600); err != nil {
			return nil, fmt.Errorf("write audit key: %w", err)
		}
		return k, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read audit key: %w", err)
	}
	k, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(k) != KeySize {
		return nil, fmt.Errorf("audit key %s: not base64 of %d bytes", path, KeySize)
	}
	return k, nil
}

func (k Key) derive(label string) []byte {
	m := hmac.New(sha256.New, k)
	m.Write([]byte(label))
	return m.Sum(nil)
}

// MAC is the keyed link of entry ev after prev: HMAC-SHA-256 over the same
// length-prefixed fields as Hash, and the records it names and the digest
// of the data it wrote.
func (k Key) MAC(prev string, ev holf.AuditEvent) string {
	m := hmac.New(sha256.New, k.derive("holf-audit-mac-v2"))
	writeFields(m, "holf-audit-v2", prev, ev, JoinIDs(ev.RecordIDs), ev.DataRef, ev.DataDigest)
	return hex.EncodeToString(m.Sum(nil))
}

// JoinIDs is how a list of record ids is stored and chained: "1,2,3".
func JoinIDs(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(parts, ",")
}

// SplitIDs is the inverse of JoinIDs.
func SplitIDs(s string) []int64 {
	if s == "" {
		return nil
	}
	var out []int64
	for _, p := range strings.Split(s, ",") {
		id, _ := strconv.ParseInt(p, 10, 64)
		out = append(out, id)
	}
	return out
}

// Digest is the digest of data a write stored, kept in its entry.
func Digest(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// Checkpoint pins the chain's head at one moment: its sequence number and
// hash, and the first entry that is keyed (entries before it predate the
// key and are pinned by the first checkpoint). Signed with Ed25519, it is
// written outside the database, so that truncating the log or rewinding
// its head is caught even by someone who can rewrite the database.
type Checkpoint struct {
	Seq       int64     `json:"seq"`
	Hash      string    `json:"hash"`
	KeyedFrom int64     `json:"keyed_from"`
	At        time.Time `json:"at"`
	Sig       string    `json:"sig"`
}

func (k Key) signer() ed25519.PrivateKey {
	return ed25519.NewKeyFromSeed(k.derive("holf-audit-checkpoint-v1"))
}

// PublicKey verifies checkpoints; it may be given to auditors.
func (k Key) PublicKey() ed25519.PublicKey { return k.signer().Public().(ed25519.PublicKey) }

func (c Checkpoint) message() []byte {
	return fmt.Appendf(nil, "holf-audit-checkpoint-v1\n%d\n%s\n%d\n%s", c.Seq, c.Hash, c.KeyedFrom, c.At.UTC().Format(TimeFormat))
}

// Sign signs c.
func (k Key) Sign(c Checkpoint) Checkpoint {
	c.At = c.At.UTC().Truncate(time.Microsecond)
	c.Sig = base64.StdEncoding.EncodeToString(ed25519.Sign(k.signer(), c.message()))
	return c
}

// Valid reports whether c's signature holds under public key pub.
func (c Checkpoint) Valid(pub ed25519.PublicKey) bool {
	sig, err := base64.StdEncoding.DecodeString(c.Sig)
	return err == nil && ed25519.Verify(pub, c.message(), sig)
}

// AppendCheckpoint adds c to the checkpoint file at path (one JSON object
// a line), creating it readable by the owner only.
func AppendCheckpoint(path string, c Checkpoint) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600) // #nosec G304 -- the operator's own file
	if err != nil {
		return fmt.Errorf("open audit checkpoints: %w", err)
	}
	b, _ := json.Marshal(c)
	if _, err := f.Write(append(b, '\n')); err != nil {
		_ = f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

// ReadCheckpoints reads the checkpoint file at path; none when it does not
// exist.
func ReadCheckpoints(path string) ([]Checkpoint, error) {
	f, err := os.Open(path) // #nosec G304 -- the operator's own file
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []Checkpoint
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var c Checkpoint
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			return nil, &BrokenError{Reason: fmt.Sprintf("checkpoint file %s, line %d is not a checkpoint", path, n)}
		}
		out = append(out, c)
	}
	return out, sc.Err()
}
