package auth

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/holf-project/holf"
)

func TestDefaultParamsMeetOWASPMinimum(t *testing.T) {
	// OWASP Password Storage / ASVS 5.0 Appendix C: argon2id with at least
	// 19 MiB memory, 2 iterations and parallelism 1.
	p := DefaultParams
	if p.Memory < 19*1024 || p.Time < 2 || p.Threads < 1 || p.SaltLen < 16 || p.KeyLen < 32 {
		t.Fatalf("parameters %+v are below the minimum", p)
	}
}

func TestHashIsPHCAndVerifies(t *testing.T) {
	h := NewHasher(DefaultParams)
	phc, err := h.Hash("korrekt hest batteri stift")
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("$argon2id$v=19$m=%d,t=%d,p=%d$", DefaultParams.Memory, DefaultParams.Time, DefaultParams.Threads)
	if !strings.HasPrefix(phc, want) || len(strings.Split(phc, "$")) != 6 {
		t.Fatalf("hash %q is not a PHC argon2id string starting %q", phc, want)
	}
	if err := h.Verify(phc, "korrekt hest batteri stift"); err != nil {
		t.Fatalf("right password: %v", err)
	}
	if err := h.Verify(phc, "korrekt hest batteri stifT"); !errors.Is(err, ErrMismatch) {
		t.Fatalf("wrong password: %v", err)
	}
	if err := h.Verify("", "anything"); !errors.Is(err, ErrMismatch) {
		t.Fatalf("empty hash: %v", err)
	}
	other, _ := h.Hash("korrekt hest batteri stift")
	if other == phc {
		t.Fatal("two hashes of one password are equal: salt missing")
	}
	// A hash made with other parameters still verifies (parameters upgrade).
	cheap := NewHasher(Params{Memory: 64, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16})
	old, _ := cheap.Hash("gammelt passord her")
	if err := h.Verify(old, "gammelt passord her"); err != nil {
		t.Fatalf("verify hash with other params: %v", err)
	}
	if err := h.Verify("$bcrypt$xyz", "x"); err == nil || errors.Is(err, ErrMismatch) {
		t.Fatalf("foreign hash: %v, want a format error", err)
	}
}

func TestCheckPassword(t *testing.T) {
	cases := []struct {
		pw, user string
		key      string
	}{
		{"kort", "", "err.password_short"},
		{"elleve-tegn", "", "err.password_short"},
		{strings.Repeat("x", 129) + "ab", "", "err.password_long"},
		{"password1234", "", "err.password_common"},
		{"Passord12345", "", "err.password_common"},
		{"123456789012", "", "err.password_common"},
		{"aaaaaaaaaaaa", "", "err.password_common"},
		{"abcabcabcabc", "", "err.password_common"},
		{"qwertyuiopas", "", "err.password_common"},
		{"!!Velkommen2025", "", "err.password_common"},
		{"kari.nordmann-99", "kari.nordmann", "err.password_common"},
		{"æøåæøåæøåæøå", "", "err.password_common"},  // a repetition of characters, not of bytes
		{"qwertyuiopås", "", "err.password_common"},  // along the keyboard, turning once
		{"asdfghjklølk", "", "err.password_common"},  // there and back
		{"zxcvbnm,.-qwe", "", "err.password_common"}, // the bottom row, then the top
		{"098765432112", "", "err.password_common"},  // backwards
		{"blå fjell om morgenen", "", ""},
		{"Tre små kinesere", "", ""},
		{"Nordlys over Alta", "", ""},
		{"qwe rty hus bil", "", ""}, // walks of three are no walk
	}
	for _, c := range cases {
		err := CheckPassword(c.pw, c.user)
		got := ""
		var he *holf.Error
		if errors.As(err, &he) {
			got = he.Fields[0].Key
		}
		if got != c.key {
			t.Errorf("CheckPassword(%q, %q) = %q, want %q", c.pw, c.user, got, c.key)
		}
	}
}

func TestSecrets(t *testing.T) {
	a, b := NewSecret(32), NewSecret(32)
	if a == b || len(a) < 43 {
		t.Fatalf("secrets %q %q", a, b)
	}
	tok := NewAPIToken()
	if !strings.HasPrefix(tok, TokenPrefix) {
		t.Fatalf("token %q lacks prefix", tok)
	}
	if HashSecret(tok) == tok || len(HashSecret(tok)) != 64 {
		t.Fatal("HashSecret must be a hex SHA-256")
	}
}

// BenchmarkHashDefault measures one password hash with the production
// parameters: the cost of every login and password change.
func BenchmarkHashDefault(b *testing.B) {
	h := NewHasher(DefaultParams)
	for b.Loop() {
		if _, err := h.Hash("korrekt hest batteri stift"); err != nil {
			b.Fatal(err)
		}
	}
}
