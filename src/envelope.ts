/**
 * Task envelopes: a task as JSON-safe data with a version, for tasks that
 * outlive the process that made them (a message queue, a database, another
 * service running another crossfair version). encodeTask writes the current
 * version; decodeTask reads the current one and the one before it, so
 * producers and consumers can be upgraded one at a time.
 *
 * Versions:
 *   0  (no `v` key) what JSON.stringify made of a Task before envelopes
 *      existed: `input` a string, or bytes as Buffer.toJSON() left them
 *      (`{type: 'Buffer', data: [...]}`) or as a bare Uint8Array left them
 *      (`{"0": .., "1": .., ...}`); an AbortSignal as `{}`, dropped here since
 *      it never carried anything.
 *   1  `{v: 1, kind, input: {text} | {base64}, class?, tenant?, pool?,
 *      estimate?, timeoutMs?, idempotent?}`: bytes as strict base64.
 *
 * A newer version than this build reads is refused (E_BAD_INPUT, saying
 * which), never guessed at. Decoding checks the envelope's own structure
 * and field types; what depends on a scheduler (its kinds, classes, pools,
 * maxPayloadBytes) is checked by submit(), as for any task.
 * Compatibility policy: docs/RESILIENCE.md "Versioning and compatibility".
 */
import { CrossfairError, guard, show } from './errors.js';
import { FORBIDDEN_KEYS, isPlainObject } from './options.js';
import { ESTIMATE_KEYS, TASK_KEYS } from './admission/task.js';
import type { Task, TaskEstimate } from './types.js';

/** The version encodeTask writes. */
export const ENVELOPE_VERSION = 1;
/** The oldest version decodeTask reads (the unversioned shape). */
export const OLDEST_ENVELOPE_VERSION = 0;

/** A task as versioned, JSON-safe data (version 1). */
export interface TaskEnvelope {
  v: 1;
  kind: string;
  /** UTF-8 text as is; bytes as base64 (RFC 4648, padded). */
  input: { text: string } | { base64: string };
  class?: string;
  tenant?: string;
  pool?: string;
  estimate?: TaskEstimate;
  timeoutMs?: number;
  idempotent?: boolean;
}

/** Fields a task carries through an envelope unchanged, with their types. */
const FIELDS = { class: 'string', tenant: 'string', pool: 'string', timeoutMs: 'number', idempotent: 'boolean' } as const;
type Field = keyof typeof FIELDS;
const ESTIMATE_FIELDS = { cpuUs: 'number', memBytes: 'number', io: 'boolean' } as const;
/** Version 1's keys: a Task's (admission/task.ts, also version 0's) less the signal, plus v. */
const V1_KEYS: ReadonlySet<string> = new Set(['v', ...[...TASK_KEYS].filter((k) => k !== 'signal')]);

/** 1 for the 64 characters of the RFC 4648 base64 alphabet, by char code. */
const B64_ALPHABET = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/') B64_ALPHABET[c.charCodeAt(0)] = 1;
const PAD = 0x3d; // '='

/**
 * Whether `s` is padded base64: groups of four alphabet characters, the last
 * one possibly ending in `==` or `=` (and then with 2 or 3 alphabet characters
 * before). One pass over the string, no regular expression: a pattern with a
 * repeated group over a payload of megabytes overflows V8's regexp stack.
 */
function isPaddedBase64(s: string): boolean {
  const n = s.length;
  if (n % 4 !== 0) return false;
  let end = n;
  if (n > 0 && s.charCodeAt(n - 1) === PAD) end = s.charCodeAt(n - 2) === PAD ? n - 2 : n - 1;
  for (let i = 0; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || B64_ALPHABET[c] !== 1) return false;
  }
  return true;
}

function bad(msg: string): never {
  throw new CrossfairError('E_BAD_INPUT', msg);
}

function checkKeys(what: string, o: Record<string, unknown>, allowed: ReadonlySet<string>): void {
  for (const k of Object.keys(o)) {
    if (FORBIDDEN_KEYS.has(k) || !allowed.has(k)) bad(`unknown ${what} field ${JSON.stringify(k.slice(0, 64))}`);
  }
}

/** Copies the optional fields and the estimate, checking their types. */
function copyFields(what: string, src: Record<string, unknown>, dst: Record<string, unknown>): void {
  for (const k of Object.keys(FIELDS) as Field[]) {
    const v = src[k];
    if (v === undefined) continue;
    if (typeof v !== FIELDS[k] || (typeof v === 'number' && !Number.isFinite(v)))
      bad(`${what}.${k} must be a ${FIELDS[k] === 'number' ? 'finite number' : FIELDS[k]}, got ${show(v)}`);
    dst[k] = v;
  }
  const e = src.estimate;
  if (e === undefined) return;
  if (!isPlainObject(e)) bad(`${what}.estimate must be a plain object`);
  checkKeys(`${what}.estimate`, e, ESTIMATE_KEYS);
  const out: Record<string, unknown> = {};
  for (const [k, type] of Object.entries(ESTIMATE_FIELDS)) {
    const v = e[k];
    if (v === undefined) continue;
    if (typeof v !== type || (typeof v === 'number' && !Number.isFinite(v)))
      bad(`${what}.estimate.${k} must be a ${type === 'number' ? 'finite number' : type}, got ${show(v)}`);
    out[k] = v;
  }
  dst.estimate = out;
}

/**
 * The envelope of `task`, at ENVELOPE_VERSION. A task with a `signal` is
 * refused: an AbortSignal cannot travel; attach a new one after decodeTask.
 */
export function encodeTask(task: Task): TaskEnvelope {
  return guard('E_BAD_INPUT', () => {
    if (!isPlainObject(task)) bad('a task must be a plain object');
    const t = task as unknown as Record<string, unknown>;
    checkKeys('task', t, TASK_KEYS);
    if (t.signal !== undefined) bad('task.signal cannot be encoded: an AbortSignal does not travel; attach one after decodeTask');
    if (typeof t.kind !== 'string') bad('task.kind must be a string');
    const input = t.input;
    let enc: TaskEnvelope['input'];
    if (typeof input === 'string') enc = { text: input };
    else if (input instanceof Uint8Array) enc = { base64: Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString('base64') };
    else bad('task.input must be a Uint8Array or a string');
    const env: Record<string, unknown> = { v: ENVELOPE_VERSION, kind: t.kind, input: enc };
    copyFields('task', t, env);
    return env as unknown as TaskEnvelope;
  });
}

/**
 * The task an envelope of version OLDEST_ENVELOPE_VERSION..ENVELOPE_VERSION
 * holds (typically `JSON.parse` of what a producer stored), ready for
 * submit(). Anything else is E_BAD_INPUT.
 */
export function decodeTask(envelope: unknown): Task {
  return guard('E_BAD_INPUT', () => {
    if (!isPlainObject(envelope)) bad('a task envelope must be a plain object');
    const v = envelope.v;
    if (v === undefined) return fromV0(envelope);
    if (typeof v !== 'number' || !Number.isInteger(v) || v < OLDEST_ENVELOPE_VERSION)
      bad(`task envelope version must be an integer >= ${OLDEST_ENVELOPE_VERSION}, got ${show(v)}`);
    if (v > ENVELOPE_VERSION)
      bad(`task envelope version ${v} is newer than this crossfair reads (${OLDEST_ENVELOPE_VERSION}..${ENVELOPE_VERSION}): upgrade crossfair on this side`);
    if (v === 0) bad('task envelope version 0 has no v field (it is the unversioned shape)');
    return fromV1(envelope);
  });
}

function fromV1(e: Record<string, unknown>): Task {
  checkKeys('envelope', e, V1_KEYS);
  if (typeof e.kind !== 'string') bad('envelope.kind must be a string');
  const input = e.input;
  if (!isPlainObject(input)) bad('envelope.input must be {text} or {base64}');
  const keys = Object.keys(input);
  let bytes: Uint8Array | string;
  if (keys.length === 1 && keys[0] === 'text' && typeof input.text === 'string') bytes = input.text;
  else if (keys.length === 1 && keys[0] === 'base64' && typeof input.base64 === 'string') {
    if (!isPaddedBase64(input.base64)) bad('envelope.input.base64 is not padded base64');
    bytes = new Uint8Array(Buffer.from(input.base64, 'base64'));
  } else bad('envelope.input must be {text: string} or {base64: string}');
  const task: Record<string, unknown> = { kind: e.kind, input: bytes };
  copyFields('envelope', e, task);
  return task as unknown as Task;
}

function fromV0(e: Record<string, unknown>): Task {
  checkKeys('task', e, TASK_KEYS);
  if (typeof e.kind !== 'string') bad('task.kind must be a string');
  // JSON.stringify(abortSignal) is "{}": the only signal a stored task can hold.
  if (e.signal !== undefined && !(isPlainObject(e.signal) && Object.keys(e.signal).length === 0))
    bad('task.signal in an unversioned task must be {} (what JSON made of an AbortSignal)');
  const task: Record<string, unknown> = { kind: e.kind, input: v0Input(e.input) };
  copyFields('task', e, task);
  return task as unknown as Task;
}

/** A version-0 input: a string, Buffer.toJSON()'s shape, or a bare Uint8Array's. */
function v0Input(input: unknown): Uint8Array | string {
  if (typeof input === 'string') return input;
  if (!isPlainObject(input)) bad('task.input must be a string or bytes as JSON left them');
  if (input.type === 'Buffer' && Array.isArray(input.data) && Object.keys(input).length === 2) return byteArray(input.data);
  // {"0": b0, "1": b1, ...}: exactly the keys 0..n-1.
  const n = Object.keys(input).length;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    if (!Object.hasOwn(input, String(i))) bad('task.input as an object must be Buffer.toJSON() or have the keys "0".."n-1"');
    out[i] = byte(input[String(i)]);
  }
  return out;
}

function byteArray(data: unknown[]): Uint8Array {
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = byte(data[i]);
  return out;
}

function byte(v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 255) bad(`task.input bytes must be integers 0..255, got ${show(v)}`);
  return v;
}
