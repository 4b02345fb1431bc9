package auth

import (
	"strings"
	"testing"
)

func TestPasswordHashing(t *testing.T) {
	hash, err := HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(hash, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("hash %q is not an argon2id PHC string with the configured parameters", hash)
	}
	other, _ := HashPassword("correct horse battery")
	if other == hash {
		t.Error("two hashes of one password are equal: the salt is not random")
	}
	tests := []struct {
		password string
		want     bool
	}{
		{"correct horse battery", true},
		{"correct horse batterY", false},
		{"", false},
	}
	for _, tt := range tests {
		got, err := CheckPassword(hash, tt.password)
		if err != nil || got != tt.want {
			t.Errorf("CheckPassword(%q) = %v, %v; want %v", tt.password, got, err, tt.want)
		}
	}
	if _, err := CheckPassword("$2a$10$bcrypt-hash", "x"); err == nil {
		t.Error("a non-argon2id hash was accepted")
	}
	if ok, err := CheckPassword(dummyHash, "anything"); err != nil || ok {
		t.Errorf("the dummy hash must parse and match nothing: %v, %v", ok, err)
	}
}
