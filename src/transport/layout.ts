/**
 * The control region's layout, in 32-bit words. docs/TRANSPORT.md is the
 * contract (the Rust and Go sides implement the same one); the diagram:
 *
 *  0        64            64+4N          64+8N                      64+8N+256N
 *  +--------+-------------+--------------+---------------------------+
 *  | header | submit ring | complete ring| slots[0..N) x 256 bytes   |
 *  +--------+-------------+--------------+---------------------------+
 *
 * Slot words (u32 unless noted): 0 seq, 1 kind|flags<<16, 2 in_seg, 3 in_off,
 * 4 in_len, 5 out_seg, 6 out_off, 7 out_cap, 8 status (i32), 9 out_len,
 * 10-11 exec_ns (u64), 12 cancel, 13 worker, 14 msg_len, 15 reserved,
 * 16..63 msg (192 bytes).
 */

export const LAYOUT_VERSION = 1;
export const MAGIC = 0x31424643; // bytes "CFB1"
export const HEADER_BYTES = 64;
export const SLOT_BYTES = 256;
export const SLOT_WORDS = SLOT_BYTES / 4;
export const MSG_OFFSET_BYTES = 64;
export const MSG_MAX_BYTES = 192;

/** Header word indices. */
export const H = {
  magic: 0,
  version: 1,
  slotCount: 2,
  slotSize: 3,
  compHead: 4,
  compTail: 5,
  wake: 6,
  workerNice: 7,
} as const;

/** Slot word indices (relative to the slot's first word). */
export const S = {
  seq: 0,
  kindFlags: 1,
  inSeg: 2,
  inOff: 3,
  inLen: 4,
  outSeg: 5,
  outOff: 6,
  outCap: 7,
  status: 8,
  outLen: 9,
  execLo: 10,
  execHi: 11,
  cancel: 12,
  worker: 13,
  msgLen: 14,
} as const;

/** Slot status codes written by native code. */
export const STATUS = {
  PENDING: -1,
  OK: 0,
  TASK_FAILED: 1,
  TASK_PANIC: 2,
  UNKNOWN_KIND: 3,
  BAD_INPUT: 4,
  BAD_DESCRIPTOR: 5,
  OUTPUT_TOO_LARGE: 6,
  ABORTED: 7,
  INJECTED: 8,
  /** Never written by native code: JS could not allocate the copy of an OK task's output (docs/TRANSPORT.md). */
  NO_MEMORY: 100,
} as const;

/** Segment ids the native side accepts: 0 is the arena, 1.. side segments. */
export const MAX_SEGMENTS = 4096;

export function controlBytes(slots: number): number {
  return HEADER_BYTES + 8 * slots + SLOT_BYTES * slots;
}

export function submitRingWord(slots: number, pos: number): number {
  return HEADER_BYTES / 4 + (pos & (slots - 1));
}

export function completeRingWord(slots: number, pos: number): number {
  return HEADER_BYTES / 4 + slots + (pos & (slots - 1));
}

export function slotWord(slots: number, slot: number): number {
  return (HEADER_BYTES + 8 * slots) / 4 + slot * SLOT_WORDS;
}

/** Allocates a control region with its header written; `workerNice` (0..19) is the nice value native code gives its worker threads (0: unchanged). */
export function createControl(slots: number, workerNice = 0): SharedArrayBuffer {
  if (!Number.isInteger(slots) || slots < 8 || slots > 65536 || (slots & (slots - 1)) !== 0) {
    throw new RangeError(`slot count must be a power of two in 8..65536, got ${slots}`);
  }
  const sab = new SharedArrayBuffer(controlBytes(slots));
  const u32 = new Uint32Array(sab);
  u32[H.magic] = MAGIC;
  u32[H.version] = LAYOUT_VERSION;
  u32[H.slotCount] = slots;
  u32[H.slotSize] = SLOT_BYTES;
  if (!Number.isInteger(workerNice) || workerNice < 0 || workerNice > 19) throw new RangeError(`worker nice must be an integer in 0..19, got ${workerNice}`);
  u32[H.workerNice] = workerNice;
  return sab;
}
