package auth

import (
	"strings"
	"testing"

	"github.com/warna/warna/fault"
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

func TestSignUpRefusesGuessablePasswords(t *testing.T) {
	valid := SignUpInput{Email: "ana.putri@example.com", Name: "Ana Putri", Role: RoleMerchant}
	tests := []struct {
		password, want string // want: "" accepted, else part of the reason
	}{
		{"short", "at least 10 characters"},
		{strings.Repeat("x", 201), "at most 200 characters"},
		{"            ", "only spaces"},
		{"\t \t \t \t \t ", "only spaces"},
		{"aaaaaaaaaa", "repeats"},
		{"abcabcabcabc", "repeats"},
		{"1212121212", "repeats"},
		{"aaaaabbbbb", "only 2 different characters"},
		{"1234567890", "sequence"},
		{"abcdefghijk", "sequence"},
		{"9876543210", "sequence"},
		{"qwertyuiop", "sequence"},
		{"password12", "common password"},
		{"Password123!", "common password"},
		{"P@ssw0rd2024", "common password"},
		{"iloveyou!!!", "common password"},
		{"sayangku123", "common password"},
		{"manchester", "common password"},
		{"ana.putri@example.com", "your name or email address"},
		{"anaputri2024", "your name or email address"},
		{"Ana Putri 1990", "your name or email address"},
		{"correct horse battery", ""},
		{"warna-demo-2026", ""},
		{"Batik-Sari-kopi-77", ""},
		{"dW9#kL2!pQ7z", ""},
		{"kucing oranye tidur", ""},
	}
	for _, tt := range tests {
		in := valid
		in.Password = tt.password
		err := in.Validate()
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%q refused: %v", tt.password, err)
		case tt.want != "" && (err == nil || fault.FieldOf(err) != "password" || !strings.Contains(fault.MessageOf(err), tt.want)):
			t.Errorf("%q: %v, want refused on the password field with %q", tt.password, err, tt.want)
		}
	}
}
