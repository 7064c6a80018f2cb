/**
 * @module middleware/ascii-json: UTF-8 JSON bytes → the same JSON as pure ASCII text, every
 * non-ASCII character written as a `\uXXXX` escape (only legal inside strings, where the escape
 * means the same character).
 *
 * Why: a Claude Code request is 75 KB of UTF-8 with a few non-Latin-1 characters (—, →, …). Decoded
 * as is, V8 makes it one two-byte string of 150 KB, allocated in large-object space (over 128 KB),
 * which only a full collection frees; `TextDecoder` is also slow on such input (~350 µs). Escaped,
 * the text is a one-byte string of ~76 KB that dies young, decodes on the ASCII fast path and
 * parses faster. `JSON.parse` of either gives identical values.
 */

const HEX = '0123456789abcdef'

/**
 * Reused between calls (single-threaded, and the text is decoded before returning): a buffer per
 * request was ~200 KB of external memory that only a garbage collection gives back.
 */
let scratch = new Uint8Array(0)
const scratchOf = (size: number): Uint8Array => {
  // Keep up to 3 MB (a 1 MB request); a rare larger one gets its own buffer.
  if (size > 3 << 20) return new Uint8Array(size)
  if (scratch.length < size) scratch = new Uint8Array(Math.max(size, 128 * 1024))
  return scratch
}

/**
 * Finds non-ASCII bytes four at a time: a byte-by-byte test was most of the cost (~1 ns a byte),
 * and a Claude Code request has a few hundred non-ASCII characters in 75 KB.
 */
const NO_WORDS = new Uint32Array(0)

class AsciiScanner {
  readonly #bytes: Uint8Array
  /** Bytes before the first 4-byte-aligned word. */
  readonly #head: number
  readonly #words: Uint32Array

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes
    const head = (4 - (bytes.byteOffset & 3)) & 3
    this.#head = head
    const count = bytes.length > head ? (bytes.length - head) >> 2 : 0
    // Too short for one aligned word: no view (its offset must be a multiple of 4), bytes only.
    this.#words =
      count > 0 ? new Uint32Array(bytes.buffer, bytes.byteOffset + head, count) : NO_WORDS
  }

  /** The index of the first byte ≥ 0x80 at or after `i`, or the length. */
  next(i: number): number {
    const bytes = this.#bytes
    const n = bytes.length
    const head = this.#head
    const words = this.#words
    while (i < n) {
      if (i >= head && ((i - head) & 3) === 0) {
        let w = (i - head) >> 2
        while (w < words.length && (words[w]! & 0x80808080) === 0) w++
        i = head + (w << 2)
        if (i >= n) return n
      }
      if (bytes[i]! >= 0x80) return i
      i++
    }
    return n
  }
}

/**
 * The UTF-8 sequence of `len` bytes at `bytes[i]` as `\uXXXX` escapes at `out[o]` (a surrogate
 * pair past U+FFFF). Out of the main loop, which then stays small enough to optimise well.
 * @returns the offset after the escapes, or -1 when the bytes are not UTF-8
 */
function escapeSequence(
  bytes: Uint8Array,
  i: number,
  len: number,
  out: Uint8Array,
  o: number,
): number {
  const b = bytes[i]!
  let cp: number
  let min: number
  if (b >= 0xc2 && b <= 0xdf) {
    cp = b & 0x1f
    min = 0x80
  } else if (b >= 0xe0 && b <= 0xef) {
    cp = b & 0x0f
    min = 0x800
  } else if (b >= 0xf0 && b <= 0xf4) {
    cp = b & 0x07
    min = 0x10000
  } else return -1
  if (i + len > bytes.length) return -1
  for (let k = 1; k < len; k++) {
    const c = bytes[i + k]!
    if ((c & 0xc0) !== 0x80) return -1
    cp = (cp << 6) | (c & 0x3f)
  }
  // Overlong forms, UTF-16 surrogates and code points past U+10FFFF are not UTF-8.
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return -1
  if (cp < 0x10000) return writeEscape(out, o, cp)
  const v = cp - 0x10000
  return writeEscape(out, writeEscape(out, o, 0xd800 | (v >> 10)), 0xdc00 | (v & 0x3ff))
}

/** True when an odd run of backslashes stands right before `bytes[i]`. */
function escaped(bytes: Uint8Array, i: number): boolean {
  let k = i - 1
  while (k >= 0 && bytes[k] === 92) k--
  return (i - 1 - k) % 2 === 1
}

/** Writes `\uXXXX` at `out[o]`; returns the offset after it. */
function writeEscape(out: Uint8Array, o: number, unit: number): number {
  out[o] = 92 // \
  out[o + 1] = 117 // u
  out[o + 2] = HEX.charCodeAt((unit >> 12) & 15)
  out[o + 3] = HEX.charCodeAt((unit >> 8) & 15)
  out[o + 4] = HEX.charCodeAt((unit >> 4) & 15)
  out[o + 5] = HEX.charCodeAt(unit & 15)
  return o + 6
}

/**
 * @returns ASCII JSON text, or undefined when it could not stand for the bytes: they are not
 * UTF-8, or a backslash escapes a non-ASCII character (not JSON; its escape would turn `\é` into
 * a valid `\\u00e9`). The caller then decodes the bytes as they are, and reports either precisely.
 */
export function asciiJson(bytes: Uint8Array, decoder: TextDecoder): string | undefined {
  const n = bytes.length
  const scan = new AsciiScanner(bytes)
  let i = scan.next(0)
  if (i === n) return decoder.decode(bytes) // already ASCII: the common fast path
  // A non-ASCII byte grows by at most 2 (2 bytes → a 6-byte escape, 4 → two of them).
  const out = scratchOf(n * 3)
  out.set(bytes.subarray(0, i))
  let o = i
  while (i < n) {
    const b = bytes[i]!
    const len = b < 0xe0 ? 2 : b < 0xf0 ? 3 : 4
    if (escaped(bytes, i)) return undefined
    o = escapeSequence(bytes, i, len, out, o)
    if (o < 0) return undefined
    i += len
    // The ASCII run up to the next non-ASCII byte: a long one copied at once, a short one (text
    // dense with accents or CJK) byte by byte, cheaper than a subarray per run.
    const end = scan.next(i)
    if (end - i >= 64) {
      out.set(bytes.subarray(i, end), o)
      o += end - i
    } else for (let k = i; k < end; k++) out[o++] = bytes[k]!
    i = end
  }
  return decoder.decode(out.subarray(0, o))
}
