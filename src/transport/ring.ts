/**
 * RingTransport: moves tasks to one native pool and back through the shared
 * control region (layout.ts, docs/TRANSPORT.md) without copying descriptors
 * and with one boundary call per batch.
 *
 * Owns: the control region, the slot free list, the payload arena (segment
 * 0) and the side segments of large payloads (side.ts: reused, bounded).
 *
 * Invariants:
 * - a slot is free, staged, or in flight; at most N are in flight, so the
 *   complete ring can never overflow;
 * - a side segment stays registered (and referenced from JS) until the task
 *   using it has completed; then it is kept for reuse or dropped (side.ts);
 * - a task's input is exactly `inLen` bytes, the length submit() saw: a
 *   view whose length differs at staging (buffer resized, detached or
 *   transferred) is refused, and never more than `inLen` bytes are copied,
 *   even from a buffer another thread grows meanwhile;
 * - outputs are copies in ordinary memory: nothing handed to the caller
 *   aliases the arena or a side segment, so both are reused at once;
 * - the submit ring positions of a batch are not rewritten before native code
 *   has read them: a position is reused only after N later submissions, and
 *   N slots cannot all be taken while the batch's own tasks are in flight.
 *
 * Protocol:
 * 1. stage(task): take a slot, write input into the arena (or a side
 *    segment), write the descriptor, append the slot to the submit ring.
 *    STAGE_FULL: no room now (slot, segment, side budget); STAGE_REFUSED:
 *    this task can never be staged (`refusal` says why: a changed input,
 *    memory that could not be allocated).
 * 2. commit(): one `submit(start, count)` call for everything staged.
 * 3. wake-up → drain(): clear the wake word, read completions up to comp_tail,
 *    settle each (copying its output out), free its slot and memory,
 *    advance comp_head.
 * 4. close(timeoutMs): native close; memory is dropped only if native reports
 *    no busy worker, otherwise kept referenced for the life of the process.
 */
import { Arena } from './arena.js';
import type { NativeBackend } from '../native/backend.js';
import { CrossfairError, fromNativeError } from '../errors.js';
import { bufferOf, byteLengthOf, byteOffsetOf, isDetached, isGrowableShared } from './views.js';
import { H, MSG_MAX_BYTES, MSG_OFFSET_BYTES, S, SLOT_BYTES, STATUS, completeRingWord, createControl, slotWord, submitRingWord } from './layout.js';
import { FULL, MAX_SEGMENT_BYTES, NO_MEMORY, SIDE_BUDGET_BYTES, SideSegments, memory, type Side } from './side.js';

/** stage(): no room for the task now; it can be staged after a completion. */
export const STAGE_FULL = -1;
/** stage(): the task can never be staged; `refusal` holds its error. */
export const STAGE_REFUSED = -2;

export interface Staged {
  /** Wire id of the kind in this pool. */
  kindId: number;
  input: Uint8Array | string;
  /** Input length in bytes (UTF-8 length for strings). */
  inLen: number;
  outCap: number;
}

export interface Completion {
  status: number;
  output: Uint8Array;
  execNs: number;
  message: string;
}

interface SlotUse<T> {
  owner: T;
  seq: number;
  /** Segment id of the task's block: 0 arena, > 0 side segment, -1 none. */
  seg: number;
  cls: number;
  off: number;
  side: Side | undefined;
  outOff: number;
}

/** Memory kept alive because native code might still use it (close timed out). */
const retained: unknown[] = [];

const EMPTY: Uint8Array = new Uint8Array(0);
const ALIGN = 8;

export class RingTransport<T> {
  readonly control: SharedArrayBuffer;
  readonly slots: number;
  private readonly u32: Uint32Array;
  private readonly i32: Int32Array;
  private readonly arenaSab: SharedArrayBuffer;
  private readonly arenaU8: Uint8Array;
  private readonly arenaBuf: Buffer;
  private readonly arena: Arena;
  private readonly freeSlots: Int32Array;
  private freeTop: number;
  private readonly uses: (SlotUse<T> | undefined)[];
  private readonly sides: SideSegments;
  private subPos = 0;
  private stageStart = 0;
  private staged = 0;
  private head = 0;
  private seq = 0;
  private backend!: NativeBackend;
  /** Completions whose slot, seq or lengths did not check out (a native bug); PoolStats.anomalies. */
  anomalies = 0;
  /** Why the last stage() returned STAGE_REFUSED. */
  refusal: CrossfairError | undefined = undefined;

  constructor(
    slots: number,
    arenaBytes: number,
    private readonly onComplete: (owner: T, c: Completion) => void,
    workerNice = 0,
    sideBudget = SIDE_BUDGET_BYTES,
  ) {
    this.slots = slots;
    this.control = createControl(slots, workerNice);
    this.u32 = new Uint32Array(this.control);
    this.i32 = new Int32Array(this.control);
    this.arenaSab = new SharedArrayBuffer(arenaBytes);
    this.arenaU8 = new Uint8Array(this.arenaSab);
    this.arenaBuf = Buffer.from(this.arenaSab);
    this.arena = new Arena(arenaBytes);
    this.freeSlots = new Int32Array(slots);
    for (let i = 0; i < slots; i++) this.freeSlots[i] = slots - 1 - i;
    this.freeTop = slots;
    this.uses = new Array<SlotUse<T> | undefined>(slots).fill(undefined);
    this.sides = new SideSegments(
      (id, u8) => settleAsync(this.backend.registerSegment(id, u8)),
      (id) => settleAsync(this.backend.unregisterSegment(id)),
      sideBudget,
    );
  }

  /** Binds the native side and registers the arena as segment 0. */
  async attach(backend: NativeBackend): Promise<void> {
    this.backend = backend;
    await backend.registerSegment(0, this.arenaU8);
  }

  get controlView(): Uint8Array {
    return new Uint8Array(this.control);
  }

  /** Tasks staged since the last commit. */
  get stagedCount(): number {
    return this.staged;
  }

  get inFlight(): number {
    return this.slots - this.freeTop;
  }

  /** Step 1. Returns the slot, STAGE_FULL or STAGE_REFUSED (header). */
  stage(owner: T, t: Staged): number {
    if (this.freeTop === 0) return STAGE_FULL;
    // The length submit() saw is the length staged; a view that changed
    // since would copy too many bytes (into other tasks' blocks) or too few
    // (leaving the last task's bytes in this block).
    if (typeof t.input !== 'string' && byteLengthOf(t.input) !== t.inLen) return this.refuse(changedInput(t.input, t.inLen));
    const outAt = alignUp(t.inLen);
    const bytes = outAt + t.outCap;
    const use: SlotUse<T> = { owner, seq: 0, seg: -1, cls: 0, off: 0, side: undefined, outOff: outAt };
    let seg = 0;
    let base = 0;
    if (bytes > 0) {
      const cls = Arena.classOf(bytes);
      const off = cls >= 0 ? this.arena.alloc(cls) : -1;
      if (off >= 0) {
        use.seg = 0;
        use.cls = cls;
        use.off = off;
        base = off;
        writeInput(this.arenaBuf, this.arenaU8, off, t);
      } else {
        const side = this.openSide(bytes, t);
        if (typeof side === 'number') return side;
        use.seg = seg = side.id;
        use.side = side;
      }
    }
    const slot = this.freeSlots[--this.freeTop]!;
    const seq = (this.seq = (this.seq + 1) >>> 0);
    use.seq = seq;
    this.uses[slot] = use;
    const w = slotWord(this.slots, slot);
    const u = this.u32;
    u[w + S.seq] = seq;
    u[w + S.kindFlags] = t.kindId;
    u[w + S.inSeg] = seg;
    u[w + S.inOff] = base;
    u[w + S.inLen] = t.inLen;
    u[w + S.outSeg] = seg;
    u[w + S.outOff] = base + outAt;
    u[w + S.outCap] = t.outCap;
    this.i32[w + S.status] = STATUS.PENDING;
    u[w + S.cancel] = 0;
    if (this.staged === 0) this.stageStart = this.subPos;
    u[submitRingWord(this.slots, this.subPos)] = slot;
    this.subPos = (this.subPos + 1) >>> 0;
    this.staged++;
    return slot;
  }

  /** Step 2: one boundary call for the whole batch. */
  commit(): number | Promise<number> {
    const count = this.staged;
    if (count === 0) return 0;
    this.staged = 0;
    return this.backend.submit(this.stageStart, count);
  }

  /** Step 3. Returns the number of completions settled. */
  drain(): number {
    const i32 = this.i32;
    // Clear first: a completion published after the load below wakes us
    // again (at worst one empty drain), never one lost.
    Atomics.store(i32, H.wake, 0);
    const tail = Atomics.load(i32, H.compTail) >>> 0;
    let head = this.head;
    let n = 0;
    while (head !== tail) {
      const slot = this.u32[completeRingWord(this.slots, head)]!;
      head = (head + 1) >>> 0;
      this.complete(slot);
      n++;
    }
    this.head = head;
    Atomics.store(i32, H.compHead, head | 0);
    return n;
  }

  /** Tasks in flight, in slot order. */
  *owners(): IterableIterator<T> {
    for (const u of this.uses) if (u !== undefined) yield u.owner;
  }

  /** Asks native code to stop the task in `slot` (handlers poll the flag). */
  cancel(slot: number): void {
    Atomics.store(this.i32, slotWord(this.slots, slot) + S.cancel, 1);
  }

  /** Step 4. */
  async close(timeoutMs: number): Promise<number> {
    const busy = await this.backend.close(timeoutMs);
    this.drain();
    if (busy > 0) retained.push(this.control, this.arenaSab, this.uses, this.sides.keptSegments());
    return busy;
  }

  private complete(slot: number): void {
    const use = slot < this.slots ? this.uses[slot] : undefined;
    if (use === undefined) {
      this.anomalies++;
      return;
    }
    const w = slotWord(this.slots, slot);
    const u = this.u32;
    if (u[w + S.seq] !== use.seq) this.anomalies++;
    let status = this.i32[w + S.status]!;
    const outLen = u[w + S.outLen]!;
    const execNs = u[w + S.execLo]! + u[w + S.execHi]! * 2 ** 32;
    let output: Uint8Array = EMPTY;
    let message = '';
    if (status === STATUS.OK) {
      if (outLen > u[w + S.outCap]!) {
        status = STATUS.BAD_DESCRIPTOR;
        message = `native output length ${outLen} exceeds capacity ${u[w + S.outCap]!}`;
        this.anomalies++;
      } else if (outLen > 0) {
        // A copy, in ordinary memory V8 accounts for: the block or segment
        // goes back to its free list below and is reused at once.
        const from = use.side === undefined ? use.off + use.outOff : use.outOff;
        try {
          output = memory.copy(use.side === undefined ? this.arenaU8 : use.side.u8, from, from + outLen);
        } catch (e) {
          if (!(e instanceof RangeError)) throw e;
          status = STATUS.NO_MEMORY;
          message = `could not allocate ${outLen} bytes for the output`;
        }
      }
    } else {
      const msgLen = Math.min(u[w + S.msgLen]!, MSG_MAX_BYTES);
      const at = w * 4 + MSG_OFFSET_BYTES;
      message = Buffer.from(this.control, at, msgLen).toString('utf8');
      if (status === STATUS.OUTPUT_TOO_LARGE) message = `output needs ${outLen} bytes, ${u[w + S.outCap]!} reserved`;
    }
    this.release(slot, use);
    this.onComplete(use.owner, { status, output, execNs, message });
  }

  private release(slot: number, use: SlotUse<T>): void {
    this.uses[slot] = undefined;
    if (use.seg === 0) this.arena.release(use.cls, use.off);
    else if (use.side !== undefined) this.sides.give(use.side);
    this.freeSlots[this.freeTop++] = slot;
  }

  /** A side segment (side.ts) holding the task's input, or STAGE_FULL / STAGE_REFUSED. */
  private openSide(bytes: number, t: Staged): Side | number {
    if (bytes > MAX_SEGMENT_BYTES) {
      return this.refuse(
        new CrossfairError(
          'E_BAD_INPUT',
          `the task needs ${bytes} bytes of shared memory for its input and output; a segment holds at most ${MAX_SEGMENT_BYTES}`,
        ),
      );
    }
    let side: Side | typeof FULL | typeof NO_MEMORY;
    try {
      side = this.sides.take(bytes);
    } catch (e) {
      return this.refuse(fromNativeError(e, 'E_POOL_UNAVAILABLE')); // registration refused (pool closed)
    }
    if (side === FULL) return STAGE_FULL;
    if (side === NO_MEMORY) {
      return this.refuse(
        new CrossfairError('E_NO_MEMORY', `could not allocate ${bytes} bytes (or more) of shared memory for a ${t.inLen}-byte input and its output`),
      );
    }
    writeInput(side.buf, side.u8, 0, t);
    return side;
  }

  private refuse(e: CrossfairError): number {
    this.refusal = e;
    return STAGE_REFUSED;
  }

  /** Side segment bytes in use by tasks and kept for reuse. */
  get sideBytes(): { inUse: number; kept: number } {
    return { inUse: this.sides.inUse, kept: this.sides.kept };
  }
}

/** A backend call's result: a synchronous one has happened (or thrown); an asynchronous one reports its failure through the backend's next submit. */
function settleAsync(r: void | Promise<void>): void {
  if (r instanceof Promise) r.catch(() => undefined);
}

function alignUp(n: number): number {
  return Math.ceil(n / ALIGN) * ALIGN; // not bitwise: lengths may exceed 2^31
}

/** Inputs up to this many bytes are copied byte by byte: a typed array that small may live on V8's heap, where reading its `buffer` would allocate one. */
const SMALL_INPUT = 64;

/**
 * Copies exactly `t.inLen` bytes of the input to `off` (stage() checked the
 * view still has that length). A view over a growable SharedArrayBuffer may
 * grow under us (another thread), so it is copied through a view of
 * exactly `inLen` bytes; every other view keeps its length while this runs.
 */
function writeInput(buf: Buffer, u8: Uint8Array, off: number, t: Staged): void {
  const n = t.inLen;
  if (n === 0) return;
  const input = t.input;
  if (typeof input === 'string') {
    buf.write(input, off, n, 'utf8');
  } else if (n <= SMALL_INPUT) {
    for (let i = 0; i < n; i++) u8[off + i] = input[i]!;
  } else {
    const ab = bufferOf(input);
    if (isGrowableShared(ab)) u8.set(new Uint8Array(ab, byteOffsetOf(input), n), off);
    else u8.set(input, off);
  }
}

/** Why a Uint8Array input no longer has the length submit() saw. */
function changedInput(input: Uint8Array, inLen: number): CrossfairError {
  const now = byteLengthOf(input);
  if (now === 0 && isDetached(bufferOf(input))) {
    return new CrossfairError('E_BAD_INPUT', `task.input was detached after submit() (its ArrayBuffer was transferred): ${inLen} bytes at submit(), none now`);
  }
  return new CrossfairError(
    'E_BAD_INPUT',
    `task.input changed length after submit() (its buffer was resized): ${inLen} bytes at submit(), ${now} now; an input must keep its length until its task settles`,
  );
}

export const SLOT_SIZE = SLOT_BYTES;
