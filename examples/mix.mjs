// The demo's workload, shared by its two modes (demo.mjs, serve.mjs): a
// deterministic mix of what a service with hot native code might send —
// hashing, CPU spin, sleep standing for I/O, echo.
const payload = Buffer.alloc(16 * 1024, 7);

/** Task number `i` of the mix. */
export function task(i) {
  switch (i % 8) {
    case 0:
    case 1:
    case 2:
      return { kind: 'sha256', input: payload.subarray(0, 1024 * (1 + (i % 16))) };
    case 3:
    case 4:
      return { kind: 'spin', input: String(100 + (i % 5) * 100) };
    case 5:
      return { kind: 'sleep', input: String(500 + (i % 4) * 500) };
    default:
      return { kind: 'echo', input: payload.subarray(0, 256 + (i % 32) * 64) };
  }
}
