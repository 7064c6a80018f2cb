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
  // Keep up to 1 MB; a rare larger request gets its own buffer.
  if (size > 1 << 20) return new Uint8Array(size)
  if (scratch.length < size) scratch = new Uint8Array(Math.max(size, 128 * 1024))
  return scratch
}

/**
 * @returns ASCII JSON text, or undefined when the bytes are not valid UTF-8 (the caller then
 * reports it precisely with a fatal TextDecoder)
 */
export function asciiJson(bytes: Uint8Array, decoder: TextDecoder): string | undefined {
  const n = bytes.length
  let i = 0
  while (i < n && bytes[i]! < 0x80) i++
  if (i === n) return decoder.decode(bytes) // already ASCII: the common fast path
  // A non-ASCII byte grows by at most 2 (2 bytes → a 6-byte escape, 4 → two of them).
  let extra = 0
  for (let k = i; k < n; k++) if (bytes[k]! >= 0x80) extra += 2
  const out = scratchOf(n + extra)
  out.set(bytes.subarray(0, i))
  let o = i
  const writeEscape = (unit: number) => {
    out[o++] = 92 // \
    out[o++] = 117 // u
    out[o++] = HEX.charCodeAt((unit >> 12) & 15)
    out[o++] = HEX.charCodeAt((unit >> 8) & 15)
    out[o++] = HEX.charCodeAt((unit >> 4) & 15)
    out[o++] = HEX.charCodeAt(unit & 15)
  }
  while (i < n) {
    const b = bytes[i]!
    if (b < 0x80) {
      // Copy the whole ASCII run at once.
      const start = i
      while (i < n && bytes[i]! < 0x80) i++
      out.set(bytes.subarray(start, i), o)
      o += i - start
      continue
    }
    let cp: number
    let len: number
    let min: number
    if (b >= 0xc2 && b <= 0xdf) {
      cp = b & 0x1f
      len = 2
      min = 0x80
    } else if (b >= 0xe0 && b <= 0xef) {
      cp = b & 0x0f
      len = 3
      min = 0x800
    } else if (b >= 0xf0 && b <= 0xf4) {
      cp = b & 0x07
      len = 4
      min = 0x10000
    } else return undefined
    if (i + len > n) return undefined
    for (let k = 1; k < len; k++) {
      const c = bytes[i + k]!
      if ((c & 0xc0) !== 0x80) return undefined
      cp = (cp << 6) | (c & 0x3f)
    }
    // Overlong forms, UTF-16 surrogates and code points past U+10FFFF are not UTF-8.
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return undefined
    if (cp < 0x10000) writeEscape(cp)
    else {
      const v = cp - 0x10000
      writeEscape(0xd800 | (v >> 10))
      writeEscape(0xdc00 | (v & 0x3ff))
    }
    i += len
  }
  return decoder.decode(out.subarray(0, o))
}
