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

/** Top-level arrays (messages, tools) are written one element at a time. */
export function encodeJson(value: Record<string, unknown>): Uint8Array<ArrayBuffer> {
  const parts: Uint8Array[] = []
  let size = 0
  const push = (s: string) => {
    const bytes = utf8.encode(s)
    parts.push(bytes)
    size += bytes.byteLength
  }
  let sep = '{'
  for (const key of Object.keys(value)) {
    const v = value[key]
    if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue
    if (Array.isArray(v)) {
      push(`${sep}${JSON.stringify(key)}:[`)
      for (let i = 0; i < v.length; i++) {
        const item = JSON.stringify(v[i])
        push(i === 0 ? (item ?? 'null') : `,${item ?? 'null'}`)
      }
      push(']')
    } else push(`${sep}${JSON.stringify(key)}:${JSON.stringify(v)}`)
    sep = ','
  }
  push(sep === '{' ? '{}' : '}')
  const out = new Uint8Array(size)
  let offset = 0
  for (const p of parts) {
    out.set(p, offset)
    offset += p.byteLength
  }
  return out
}
