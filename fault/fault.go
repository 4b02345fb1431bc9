// Package fault defines the domain error kinds shared by every Warna package.
//
// Domain code returns a *fault.Error with a kind and a message a user can act on;
// the web layer maps kinds to HTTP status codes in exactly one place. Anything
// else (a driver error, an I/O error) is an internal error and is never shown
// to users verbatim.
package fault

import (
	"errors"
	"fmt"
)

// Kind classifies a domain error.
type Kind string

// The kinds of domain error. Internal is the zero meaning: an error that is not
// a *fault.Error is treated as Internal.
const (
	Internal     Kind = "internal"
	Invalid      Kind = "invalid"
	NotFound     Kind = "not_found"
	Conflict     Kind = "conflict"
	Forbidden    Kind = "forbidden"
	Unauthorized Kind = "unauthorized"
	Unavailable  Kind = "unavailable"
	TooLarge     Kind = "too_large"
	RateLimited  Kind = "rate_limited"
)

// Error is a domain error: a kind, a message for the user, an optional field the
// message is about, and an optional wrapped cause for the logs.
type Error struct {
	Kind    Kind
	Field   string
	Message string
	Err     error
	// Format and Args are what Message was made of, so that a page can show
	// the message in the reader's language (the format is the catalogue's
	// key). Empty when Message was set directly.
	Format string
	Args   []any
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

func newf(kind Kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...), Format: format, Args: args}
}

// Invalidf reports bad input that the user can correct.
func Invalidf(format string, args ...any) *Error { return newf(Invalid, format, args...) }

// FieldInvalidf reports bad input in one named field or parameter.
func FieldInvalidf(field, format string, args ...any) *Error {
	e := newf(Invalid, format, args...)
	e.Field = field
	return e
}

// NotFoundf reports a missing resource (or one the caller may not know exists).
func NotFoundf(format string, args ...any) *Error { return newf(NotFound, format, args...) }

// Conflictf reports a clash with existing state, such as a duplicate email.
func Conflictf(format string, args ...any) *Error { return newf(Conflict, format, args...) }

// Forbiddenf reports an authenticated caller acting outside their rights.
func Forbiddenf(format string, args ...any) *Error { return newf(Forbidden, format, args...) }

// Unauthorizedf reports a missing or wrong credential.
func Unauthorizedf(format string, args ...any) *Error { return newf(Unauthorized, format, args...) }

// TooLargef reports input over a size limit.
func TooLargef(format string, args ...any) *Error { return newf(TooLarge, format, args...) }

// Unavailablef reports a dependency that is down; err is kept for the logs.
func Unavailablef(err error, format string, args ...any) *Error {
	e := newf(Unavailable, format, args...)
	e.Err = err
	return e
}

// KindOf returns the kind of the first *Error in err's chain, or Internal.
func KindOf(err error) Kind {
	var fe *Error
	if errors.As(err, &fe) {
		return fe.Kind
	}
	return Internal
}

// Is reports whether err carries the given kind.
func Is(err error, kind Kind) bool { return err != nil && KindOf(err) == kind }

const genericMessage = "something went wrong on our side; please try again"

// MessageOf returns the user-facing message of err, or a generic one for
// internal errors so that driver details never reach users.
func MessageOf(err error) string {
	var fe *Error
	if errors.As(err, &fe) {
		return fe.Message
	}
	return genericMessage
}

// FormatOf returns the format and arguments of err's user-facing message
// (MessageOf), for translation: a message set without a format is its own
// format ("%s" would hide it from the catalogue).
func FormatOf(err error) (string, []any) {
	var fe *Error
	if errors.As(err, &fe) {
		if fe.Format == "" {
			return fe.Message, nil
		}
		return fe.Format, fe.Args
	}
	return genericMessage, nil
}

// WithField is err about field: a copy of its *Error with the field set
// (message, format and kind kept), or err itself when it is not one.
func WithField(err error, field string) error {
	var fe *Error
	if !errors.As(err, &fe) {
		return err
	}
	out := *fe
	out.Field = field
	return &out
}

// FieldOf returns the field or parameter an error is about, if any.
func FieldOf(err error) string {
	var fe *Error
	if errors.As(err, &fe) {
		return fe.Field
	}
	return ""
}
