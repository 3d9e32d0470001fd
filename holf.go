// Package holf holds HOLF's domain types and the error contract shared by every
// other package. It imports only the standard library so that storage, policy,
// web and command-line code can all speak the same language without depending
// on one another.
package holf

import (
	"errors"
	"fmt"
	"time"
)

// Error codes. The web layer maps each to one HTTP status in a single table;
// storage maps driver errors onto them so callers never see driver types.
const (
	EInvalid              = "invalid"               // the caller's input is wrong (400/422)
	EUnauthorized         = "unauthorized"          // no valid credentials (401)
	EForbidden            = "forbidden"             // authenticated, but the role may not (403)
	ENotFound             = "not_found"             // missing, or not visible to the caller (404)
	EConflict             = "conflict"              // stale version or duplicate key (409)
	EPrecondition         = "precondition_failed"   // If-Match did not match (412)
	EPreconditionRequired = "precondition_required" // If-Match missing (428)
	ETooLarge             = "too_large"             // request body over the limit (413)
	ETooMany              = "too_many_requests"     // rate limited (429)
	EUnavailable          = "unavailable"           // database locked or down (503)
	EInternal             = "internal"              // anything else (500, generic message)
)

// Error is an application error with a code the caller can act on and a
// message that is safe to show. Internal details stay in the wrapped error,
// which is logged (without personal data) but never shown.
type Error struct {
	Code    string
	Message string       // safe to show; English, the web layer translates by Key
	Key     string       // i18n key for Message, when there is one
	Fields  []FieldError // per-field validation problems
	// RetryAfter is set with ETooMany.
	RetryAfter time.Duration
	Err        error // the cause, never shown to users
}

// Term is a message argument that is itself a catalog key (a category's
// name, a missing part of a consent): the catalog translates it into the
// message's language before it formats the message.
type Term string

// CatalogKey is the key the door translates.
func (t Term) CatalogKey() string { return string(t) }

// FieldError names one invalid field and why, as an i18n key with arguments.
type FieldError struct {
	Field string
	Key   string
	Args  []any
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// AsError returns the first *Error in err's chain.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// ErrorCode returns the code of the first *Error in err's chain, EInternal for
// any other non-nil error and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}

// ErrorMessage returns the safe message of err, or a generic one for internal errors.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Code != EInternal {
		return e.Message
	}
	return "An internal error occurred."
}

// NotFound is the error every lookup returns for a missing record. It never
// says whether the record exists elsewhere: the same error hides records the
// caller may not see.
func NotFound(kind string, id any) *Error {
	return &Error{Code: ENotFound, Message: fmt.Sprintf("%s %v not found", kind, id), Key: "err.not_found"}
}

// Stale is the error of a write made from a version of kind id that is no
// longer the latest: someone else saved in between.
func Stale(kind string, id any) *Error {
	return &Error{Code: EConflict, Key: "err.stale", Message: fmt.Sprintf("%s %v was changed by someone else after you opened it", kind, id)}
}

// Validation collects field errors; Err returns nil when there are none.
type Validation []FieldError

// Add records a problem with field.
func (v *Validation) Add(field, key string, args ...any) {
	*v = append(*v, FieldError{Field: field, Key: key, Args: args})
}

// Err returns an EInvalid *Error carrying the field errors, or nil.
func (v Validation) Err() error {
	if len(v) == 0 {
		return nil
	}
	return &Error{Code: EInvalid, Message: "the input is not valid", Key: "err.invalid", Fields: v}
}
