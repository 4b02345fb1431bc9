package mail

import (
	"bufio"
	"context"
	"io"
	"mime"
	"net"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestFolderWritesReadableMessages(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "mail")
	outbox, err := Open("", filepath.Dir(dir), nil)
	if err != nil {
		t.Fatal(err)
	}
	link := "http://127.0.0.1:8080/password/reset?token=ABCDEFGHIJKLMNOPQRSTUVWXYZ234567ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	msg := Message{To: "siti@example.com", Subject: "Atur ulang kata sandi Warna", Text: "Halo Siti,\n\nBuka tautan ini:\n" + link + "\n"}
	if err := outbox.Send(context.Background(), msg); err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.eml"))
	if err != nil || len(files) != 1 {
		t.Fatalf("files in %s: %v (%v), want one .eml", dir, files, err)
	}
	raw, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	subject, body := readMessage(t, string(raw))
	if subject != msg.Subject {
		t.Errorf("subject %q, want %q", subject, msg.Subject)
	}
	if !strings.Contains(body, link) {
		t.Errorf("the body lacks the whole link %q:\n%s", link, body)
	}
}

func TestRenderRefusesHeaderInjection(t *testing.T) {
	for _, m := range []Message{
		{To: "a@example.com\r\nBcc: b@example.com", Subject: "x"},
		{To: "a@example.com", Subject: "x\r\nBcc: b@example.com"},
		{To: "not an address", Subject: "x"},
	} {
		if _, err := render("x@example.com", m, testTime); err == nil {
			t.Errorf("render(%q, %q) accepted", m.To, m.Subject)
		}
	}
}

func TestParseSMTP(t *testing.T) {
	tests := []struct {
		url, addr, user, pass, from string
		implicit                    bool
	}{
		{"smtp://u:p%40ss@mail.example.com:2525?from=shop@example.com", "mail.example.com:2525", "u", "p@ss", "shop@example.com", false},
		{"smtp://mail.example.com", "mail.example.com:587", "", "", "no-reply@mail.example.com", false},
		{"smtps://u:p@mail.example.com", "mail.example.com:465", "u", "p", "no-reply@mail.example.com", true},
	}
	for _, tt := range tests {
		s, err := ParseSMTP(tt.url)
		if err != nil {
			t.Errorf("%s: %v", tt.url, err)
			continue
		}
		if s.Addr != tt.addr || s.Username != tt.user || s.Password != tt.pass || s.From != tt.from || s.Implicit != tt.implicit {
			t.Errorf("%s: %+v", tt.url, s)
		}
	}
	for _, bad := range []string{"http://mail.example.com", "smtp://", "::"} {
		if _, err := ParseSMTP(bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

// TestSMTPDelivers speaks to a small SMTP server on loopback (no STARTTLS
// offered, PLAIN log-in allowed there as on any local server).
func TestSMTPDelivers(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	got := make(chan []string, 1)
	go serveOne(l, got)
	_, port, _ := net.SplitHostPort(l.Addr().String())
	s, err := ParseSMTP("smtp://shop:secret@127.0.0.1:" + port + "?from=Warna%20%3Cshop@example.com%3E")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Send(context.Background(), Message{To: "ina@example.com", Subject: "Verify", Text: "http://x/verify?token=T"}); err != nil {
		t.Fatal(err)
	}
	lines := <-got
	joined := strings.Join(lines, "\n")
	for _, want := range []string{"AUTH PLAIN", "MAIL FROM:<shop@example.com>", "RCPT TO:<ina@example.com>", "Subject: Verify", "http://x/verify?token=T"} {
		if !strings.Contains(joined, want) {
			t.Errorf("the server did not see %q:\n%s", want, joined)
		}
	}
}

// serveOne answers one SMTP session and sends the lines it read.
func serveOne(l net.Listener, got chan<- []string) {
	conn, err := l.Accept()
	if err != nil {
		got <- nil
		return
	}
	defer conn.Close()
	r := bufio.NewReader(conn)
	var lines []string
	say := func(s string) { _, _ = io.WriteString(conn, s+"\r\n") }
	say("220 test ESMTP")
	inData := false
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			break
		}
		line = strings.TrimRight(line, "\r\n")
		lines = append(lines, line)
		if inData {
			if line == "." {
				inData = false
				say("250 queued")
			}
			continue
		}
		switch cmd := strings.ToUpper(strings.Fields(line + " x")[0]); cmd {
		case "EHLO":
			say("250-test\r\n250 AUTH PLAIN")
		case "AUTH":
			say("235 ok")
		case "DATA":
			inData = true
			say("354 go on")
		case "QUIT":
			say("221 bye")
			got <- lines
			return
		default:
			say("250 ok")
		}
	}
	got <- lines
}

func readMessage(t *testing.T, raw string) (subject, body string) {
	t.Helper()
	m, err := mail.ReadMessage(strings.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	subject, err = new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(m.Body)
	if err != nil {
		t.Fatal(err)
	}
	return subject, string(b)
}

var testTime = mustTime("2026-12-04T03:00:00Z")

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}
