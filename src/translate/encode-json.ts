/**
 * @module translate/encode-json: `JSON.stringify` straight to UTF-8 bytes, without ever building
 * the whole document as one string.
 *
 * A Claude Code prompt serialises to ~150 KB of two-byte string. V8 allocates strings over 128 KB
 * in large-object space, which only a full collection frees: at high concurrency that churn, not
 * live data, set anyclaude's peak memory. Serialised element by element, every string stays small
 * and dies young. The bytes are identical to `new TextEncoder().encode(JSON.stringify(value))`.
 */

const utf8 = new TextEncoder()

/** Reused between calls (single-threaded): the pieces are encoded into it, then copied once. */
let scratch = new Uint8Array(256 * 1024)

/** Values marked {@link reuseEncoding}, and the bytes they encode to. */
const reusable = new WeakSet<object>()
const frozen = new WeakMap<object, Uint8Array>()

/**
 * Marks a value that is never mutated and sent again and again (the translated tools, the system
 * message): its bytes are kept and reused while it lives. Counts as a top-level array, or as an
 * element of one.
 */
export function reuseEncoding(value: object): void {
  reusable.add(value)
}

/**
 * Top-level arrays (messages, tools) are written one element at a time.
 * @param alloc memory for the result (filled entirely), e.g. Node's `Buffer.allocUnsafe`
 */
export function encodeJson(
  value: Record<string, unknown>,
  alloc: (size: number) => Uint8Array<ArrayBuffer> = (size) => new Uint8Array(size),
): Uint8Array<ArrayBuffer> {
  let offset = 0
  const push = (s: string) => {
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    if (offset + s.length * 3 > scratch.length) {
      const grown = new Uint8Array(Math.max(scratch.length * 2, offset + s.length * 3))
      grown.set(scratch.subarray(0, offset))
      scratch = grown
    }
    offset += utf8.encodeInto(s, scratch.subarray(offset)).written
  }
  const pushBytes = (b: Uint8Array) => {
    if (offset + b.byteLength > scratch.length) {
      const grown = new Uint8Array(Math.max(scratch.length * 2, offset + b.byteLength))
      grown.set(scratch.subarray(0, offset))
      scratch = grown
    }
    scratch.set(b, offset)
    offset += b.byteLength
  }
  let sep = '{'
  for (const key of Object.keys(value)) {
    const v = value[key]
    if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue
    if (Array.isArray(v)) {
      push(`${sep}${JSON.stringify(key)}:`)
      const cached = frozen.get(v)
      if (cached) pushBytes(cached)
      else {
        const start = offset
        push('[')
        for (let i = 0; i < v.length; i++) {
          if (i > 0) push(',')
          const element: unknown = v[i]
          const known = typeof element === 'object' && element !== null && frozen.get(element)
          if (known) {
            pushBytes(known)
            continue
          }
          const at = offset
          push(JSON.stringify(element) ?? 'null')
          if (typeof element === 'object' && element !== null && reusable.has(element))
            frozen.set(element, scratch.slice(at, offset))
        }
        push(']')
        if (reusable.has(v)) frozen.set(v, scratch.slice(start, offset))
      }
    } else push(`${sep}${JSON.stringify(key)}:${JSON.stringify(v)}`)
    sep = ','
  }
  push(sep === '{' ? '{}' : '}')
  const out = alloc(offset)
  out.set(scratch.subarray(0, offset))
  // A very long session grew the scratch: do not keep megabytes around for the next request.
  if (scratch.length > 4 * 1024 * 1024) scratch = new Uint8Array(256 * 1024)
  return out
}
