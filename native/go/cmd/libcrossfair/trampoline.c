// C side of the notify call: Go cannot call a C function pointer itself.
// Hidden: not part of the crossfair ABI, only called from main.go.
#include "crossfair.h"

__attribute__((visibility("hidden"))) void cf_call_notify(cf_notify_fn fn, void *ctx) { fn(ctx); }
