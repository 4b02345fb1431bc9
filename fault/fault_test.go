package fault

import (
	"errors"
	"testing"
)

// TestWithField: the copy is about the field and keeps what a page needs
// to translate it; the original is unchanged; other errors pass through.
func TestWithField(t *testing.T) {
	orig := Invalidf("%q is not a percentage", "ten")
	got := WithField(orig, "commission")
	format, args := FormatOf(got)
	if FieldOf(got) != "commission" || KindOf(got) != Invalid || format != "%q is not a percentage" || len(args) != 1 ||
		MessageOf(got) != `"ten" is not a percentage` {
		t.Errorf("WithField = %+v", got)
	}
	if FieldOf(orig) != "" {
		t.Errorf("the original now has field %q", FieldOf(orig))
	}
	plain := errors.New("disk full")
	if WithField(plain, "x") != plain {
		t.Error("a plain error was changed")
	}
}
