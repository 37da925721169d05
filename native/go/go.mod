module crossfair/native/go

// 1.23+ for the timer semantics kinds.go relies on (Reset never delivers a
// stale tick).
go 1.24
