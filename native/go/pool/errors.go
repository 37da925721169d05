package pool

// Status is a slot's result status (docs/TRANSPORT.md, "Status codes").
type Status int32

// Slot status codes, exactly the table in docs/TRANSPORT.md (also
// test/vectors/*.json "status_codes").
const (
	StatusPending        Status = -1 // preset by JS; never written here
	StatusOK             Status = 0
	StatusTaskFailed     Status = 1
	StatusTaskPanic      Status = 2
	StatusUnknownKind    Status = 3
	StatusBadInput       Status = 4
	StatusBadDescriptor  Status = 5
	StatusOutputTooLarge Status = 6
	StatusAborted        Status = 7
	StatusInjected       Status = 8
)

// Error is a negative return code of the C ABI. The values are the CF_ERR_*
// macros of include/crossfair.h, so cmd/libcrossfair returns them unchanged.
type Error int32

// Error codes; keep in step with include/crossfair.h.
const (
	ErrBadHandle Error = -1 // CF_ERR_BAD_HANDLE (used by the handle table)
	ErrBadLayout Error = -2 // CF_ERR_BAD_LAYOUT
	ErrClosed    Error = -3 // CF_ERR_CLOSED
	ErrBadArg    Error = -4 // CF_ERR_BAD_ARG
	ErrPanic     Error = -5 // CF_ERR_PANIC (used at the boundary)
)

func (e Error) Error() string {
	switch e {
	case ErrBadHandle:
		return "crossfair: no such pool"
	case ErrBadLayout:
		return "crossfair: control region header wrong or too short"
	case ErrClosed:
		return "crossfair: pool is closing or closed"
	case ErrBadArg:
		return "crossfair: argument out of range"
	case ErrPanic:
		return "crossfair: panic recovered at the boundary"
	}
	return "crossfair: unknown error"
}
