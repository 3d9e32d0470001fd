// Package auth owns HOLF's credentials: password hashing with argon2id,
// the password rules, and the random secrets behind sessions and API tokens.
// It decides whether a secret is right, never what its holder may do (that is
// the policy package's job).
package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/holf-project/holf"
)

// Params are argon2id cost parameters.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
	KeyLen  uint32
	SaltLen int
}

// DefaultParams meet OWASP's and ASVS 5.0's minimum for argon2id
// (19 MiB memory, 2 iterations, 1 degree of parallelism).
var DefaultParams = Params{Memory: 19 * 1024, Time: 2, Threads: 1, KeyLen: 32, SaltLen: 16}

// Hasher hashes and verifies passwords with its parameters. The zero value is
// not usable: construct with NewHasher.
type Hasher struct {
	p     Params
	dummy string // a hash to verify against when the user does not exist
}

// NewHasher returns a Hasher with parameters p.
func NewHasher(p Params) *Hasher {
	h := &Hasher{p: p}
	d, _ := h.Hash("an unguessable dummy password for timing")
	h.dummy = d
	return h
}

// Hash returns a PHC string: $argon2id$v=19$m=…,t=…,p=…$salt$hash.
func (h *Hasher) Hash(password string) (string, error) {
	salt := make([]byte, h.p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("read salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, h.p.Time, h.p.Memory, h.p.Threads, h.p.KeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, h.p.Memory, h.p.Time, h.p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// ErrMismatch is returned by Verify for a wrong password.
var ErrMismatch = errors.New("password does not match")

// Verify checks password against a PHC string produced by Hash (with any
// parameters). An empty phc is verified against a dummy hash so that unknown
// accounts take as long as known ones, then fails.
func (h *Hasher) Verify(phc, password string) error {
	if phc == "" {
		_ = h.Verify(h.dummy, password)
		return ErrMismatch
	}
	parts := strings.Split(phc, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return fmt.Errorf("stored hash is not an argon2id PHC string")
	}
	var v int
	var p Params
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return fmt.Errorf("unsupported argon2 version in stored hash")
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return fmt.Errorf("bad argon2 parameters in stored hash: %w", err)
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return fmt.Errorf("bad salt in stored hash: %w", err)
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil {
		return fmt.Errorf("bad key in stored hash: %w", err)
	}
	if len(want) < 16 || len(want) > 128 || p.Memory > 4<<20 || p.Time > 64 {
		return fmt.Errorf("argon2 parameters in stored hash out of range")
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(len(want))) // #nosec G115 -- length checked above
	if subtle.ConstantTimeCompare(got, want) != 1 {
		return ErrMismatch
	}
	return nil
}

// MinPasswordLength is the shortest password accepted (ASVS: at least 12).
const MinPasswordLength = 12

// MaxPasswordLength bounds the work one login can cause.
const MaxPasswordLength = 128

//go:embed common-passwords.txt
var commonList string

var common = func() map[string]bool {
	m := map[string]bool{}
	for _, l := range strings.Split(commonList, "\n") {
		l = strings.TrimSpace(l)
		if l != "" && !strings.HasPrefix(l, "#") {
			m[strings.ToLower(l)] = true
		}
	}
	return m
}()

// CheckPassword applies the password rules: length, no common or trivially
// patterned passwords, and not the username. Problems are field errors on
// "password".
func CheckPassword(password, username string) error {
	var v holf.Validation
	n := utf8.RuneCountInString(password)
	switch {
	case n < MinPasswordLength:
		v.Add("password", "err.password_short", MinPasswordLength)
	case n > MaxPasswordLength:
		v.Add("password", "err.password_long", MaxPasswordLength)
	case IsCommonPassword(password, username):
		v.Add("password", "err.password_common")
	}
	return v.Err()
}

// keyboardRows are runs a person types without thinking: Norwegian and
// English keyboard rows, the alphabet and the digits.
var keyboardRows = []string{"1234567890+", "qwertyuiopå", "asdfghjkløæ", "zxcvbnm,.-", "qwertyuiop", "asdfghjkl", "zxcvbnm",
	"abcdefghijklmnopqrstuvwxyzæøå", "01234567890"}

// neighbours reports whether b follows a, or a follows b, in a row.
func neighbours(a, b rune) bool {
	for _, row := range keyboardRows {
		rs := []rune(row)
		for i := 0; i+1 < len(rs); i++ {
			if rs[i] == a && rs[i+1] == b || rs[i] == b && rs[i+1] == a {
				return true
			}
		}
	}
	return false
}

// IsCommonPassword reports whether password is on the list of common
// passwords, is such a password with digits or symbols around it, repeats one
// short pattern, walks along the keyboard, or contains the username. It
// works on characters, not bytes: "æøåæøåæøåæøå" is a repetition.
func IsCommonPassword(password, username string) bool {
	p := strings.ToLower(password)
	if common[p] {
		return true
	}
	core := strings.TrimFunc(p, func(r rune) bool { return !unicode.IsLetter(r) })
	if core != "" && common[core] {
		return true
	}
	if username != "" && len(username) >= 3 && strings.Contains(p, strings.ToLower(username)) {
		return true
	}
	rs := []rune(p)
	// One short unit repeated ("aaaaaaaaaaaa", "abcabcabcabc", "æøåæøåæøåæøå").
	for unit := 1; unit <= 4; unit++ {
		if len(rs) < unit*3 {
			continue
		}
		repeated := true
		for i := unit; i < len(rs) && repeated; i++ {
			repeated = rs[i] == rs[i%unit]
		}
		if repeated {
			return true
		}
	}
	// A walk along the keyboard, the alphabet or the digits, turning at
	// most once ("123456789012", "qwertyuiopås", "asdfghjklølkj").
	breaks := 0
	for i := 1; i < len(rs); i++ {
		if !neighbours(rs[i-1], rs[i]) {
			breaks++
		}
	}
	return breaks <= 1
}

// NewSecret returns n random bytes, base64url encoded without padding.
func NewSecret(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		// crypto/rand does not fail on supported platforms; if it does,
		// continuing would hand out guessable secrets.
		panic(fmt.Sprintf("crypto/rand: %v", err))
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// HashSecret returns the hex SHA-256 of a high-entropy secret (session id,
// API token). Such secrets need no slow hash: they cannot be guessed.
func HashSecret(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// TokenPrefix marks HOLF API tokens so that secret scanners can find leaked ones.
const TokenPrefix = "holf_"

// NewAPIToken returns a new bearer token.
func NewAPIToken() string { return TokenPrefix + NewSecret(32) }
