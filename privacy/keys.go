package privacy

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"os"
	"slices"
	"strings"
	"sync"
)

// Keyring seals, opens and pseudonymises with one master key. Derived keys separate the uses:
// the AES key and the HMAC key are HMAC-SHA256(master, purpose), so a leaked pseudonym key
// cannot decrypt anything.
type Keyring struct {
	id        string
	aead      cipher.AEAD
	pseudonym []byte
	// macs holds HMAC states keyed with the pseudonym key, reset between uses: keying an HMAC
	// costs two hash blocks, as much as the pseudonym itself.
	macs sync.Pool
}

// ParseKey reads a key given as "keyid:hex" where hex is 64 hexadecimal characters (32 bytes).
func ParseKey(s string) (*Keyring, error) {
	id, h, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok || id == "" || len(id) > 64 || strings.ContainsAny(id, " \t\n") {
		return nil, errors.New("privacy: key must be written as keyid:64-hex-characters")
	}
	master, err := hex.DecodeString(h)
	if err != nil || len(master) != 32 {
		return nil, fmt.Errorf("privacy: key %q: the secret must be 64 hexadecimal characters (32 bytes)", id)
	}
	block, err := aes.NewCipher(derive(master, "ecowatch seal v1"))
	if err != nil {
		return nil, fmt.Errorf("privacy: key %q: %w", id, err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("privacy: key %q: %w", id, err)
	}
	k := &Keyring{id: id, aead: aead, pseudonym: derive(master, "ecowatch pseudonym v1")}
	k.macs.New = func() any { return hmac.New(sha256.New, k.pseudonym) }
	return k, nil
}

// LoadKey returns the key from value when it is set (environment), otherwise from the file.
func LoadKey(value, file string) (*Keyring, error) {
	if value != "" {
		return ParseKey(value)
	}
	if file == "" {
		return nil, errors.New("privacy: no sealing key: set privacy.key-file or ECOWATCH_PRIVACY_KEY")
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("privacy: reading the sealing key (privacy.key-file): %w", err)
	}
	return ParseKey(string(b))
}

func derive(master []byte, purpose string) []byte {
	m := hmac.New(sha256.New, master)
	m.Write([]byte(purpose))
	return m.Sum(nil)
}

// KeyID names the key, stored next to every ciphertext so keys can rotate.
func (k *Keyring) KeyID() string { return k.id }

// Seal encrypts plaintext; associated data (for example the report id) binds the ciphertext to
// its row so it cannot be moved to another. The result is nonce || ciphertext || tag.
func (k *Keyring) Seal(plaintext, associated []byte) []byte {
	return k.SealAppend(nil, plaintext, associated)
}

// SealOverhead is how many bytes Seal adds to the plaintext (nonce and tag).
const SealOverhead = 12 + 16

// SealAppend appends what Seal returns to dst. plaintext and associated must not overlap dst.
func (k *Keyring) SealAppend(dst, plaintext, associated []byte) []byte {
	n := k.aead.NonceSize()
	dst = slices.Grow(dst, n+len(plaintext)+k.aead.Overhead())
	start := len(dst)
	dst = dst[:start+n]
	if _, err := rand.Read(dst[start:]); err != nil {
		panic("privacy: no randomness: " + err.Error()) // crypto/rand never fails on Linux
	}
	return k.aead.Seal(dst, dst[start:], plaintext, associated)
}

// Open decrypts what Seal produced with the same associated data.
func (k *Keyring) Open(sealed, associated []byte) ([]byte, error) {
	n := k.aead.NonceSize()
	if len(sealed) < n+k.aead.Overhead() {
		return nil, errors.New("privacy: sealed value too short")
	}
	out, err := k.aead.Open(nil, sealed[:n], sealed[n:], associated)
	if err != nil {
		return nil, fmt.Errorf("privacy: cannot open sealed value with key %q (wrong key or tampered data)", k.id)
	}
	return out, nil
}

// Pseudonym returns a stable keyed pseudonym (32 hex characters) of an identity string, or ""
// for an empty one.
func (k *Keyring) Pseudonym(identity string) string {
	if identity == "" {
		return ""
	}
	m := k.macs.Get().(hash.Hash)
	m.Reset()
	m.Write([]byte(identity))
	var sum [sha256.Size]byte
	m.Sum(sum[:0])
	k.macs.Put(m)
	var out [32]byte
	hex.Encode(out[:], sum[:16])
	return string(out[:])
}
