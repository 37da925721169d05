/**
 * Built-in task kinds: their wire ids (docs/TRANSPORT.md), how much output
 * space each needs, and the input checks made in JS before anything crosses
 * into native code. Native handlers check again; these checks exist so that
 * bad input is an immediate E_BAD_INPUT, not a round trip.
 */

export interface KindSpec {
  readonly name: string;
  /** Wire id in the slot's `kind` field. */
  readonly id: number;
  /** Output bytes to reserve for an input of `inLen` bytes. */
  outCap(inLen: number): number;
  /** Returns an error message when the input is unacceptable, else undefined. */
  checkInput?(input: Uint8Array | string): string | undefined;
}

/** Upper bound of spin/sleep durations: 60 s, the native handlers' limit. */
export const MAX_DURATION_US = 60_000_000;
const DURATION = /^[0-9]{1,10}$/;

function checkDuration(input: Uint8Array | string): string | undefined {
  const text = typeof input === 'string' ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString('latin1');
  if (!DURATION.test(text) || Number(text) > MAX_DURATION_US) {
    return `input must be ASCII decimal microseconds in 0..${MAX_DURATION_US}`;
  }
  return undefined;
}

const none = (): number => 0;

export const BUILTIN_KINDS: readonly KindSpec[] = [
  { name: 'echo', id: 1, outCap: (n) => n },
  { name: 'sha256', id: 2, outCap: () => 32 },
  { name: 'spin', id: 3, outCap: none, checkInput: checkDuration },
  { name: 'sleep', id: 4, outCap: none, checkInput: checkDuration },
  { name: 'fail', id: 5, outCap: none },
  { name: 'panic', id: 6, outCap: none },
];

/**
 * Parses a native library's kind list ("1=echo,2=sha256,...") into a map of
 * name to id. Only names crossfair knows how to size are kept.
 */
export function parseKindList(list: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const item of list.split(',')) {
    const eq = item.indexOf('=');
    if (eq <= 0) continue;
    const id = Number(item.slice(0, eq));
    const name = item.slice(eq + 1).trim();
    if (Number.isInteger(id) && id > 0 && id < 0x10000 && name) out.set(name, id);
  }
  return out;
}

export function builtinKind(name: string): KindSpec | undefined {
  return BUILTIN_KINDS.find((k) => k.name === name);
}
