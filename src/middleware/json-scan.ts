/**
 * @module middleware/json-scan: one pass over a JSON body's UTF-8 bytes, before anything decodes
 * or parses them, for what the parser does not tell: how deep it nests, and where the values of
 * chosen top-level keys lie.
 *
 * On the bytes, not a decoded text, so that the parts a recent request already had (reuse.ts)
 * are never decoded: a 435 KB body made one string of 450 KB, which V8 allocates in large-object
 * space, ~0.4 ms per request before any parsing. Every byte of a multi-byte UTF-8 sequence is ≥
 * 0x80, so quotes, backslashes and brackets are found as in ASCII. Strings are skipped with
 * `indexOf` (most of a Claude Code body is string content; on a Node Buffer it is native). The
 * scan trusts nothing: on malformed input its answer is only a hint, and `JSON.parse` has the
 * last word.
 */

export type JsonScan = {
  /** The deepest nesting seen, counted outside strings (the scan stops once past the limit). */
  depth: number
  /**
   * `[start, end)` (byte offsets) of each chosen top-level key's value, when the root is an object and
   * the key appears once, spelled without escapes, among keys that have none either (an escaped
   * key could be a second spelling of the same name, which `JSON.parse` would honour).
   */
  values: Map<string, [number, number]>
  /** For chosen keys whose value is an array: `[start, end)` of each element. */
  items: Map<string, [number, number][]>
}

const QUOTE = 34
const BACKSLASH = 92

/** The index of the quote closing the string that opens at `i`, or -1. */
function stringEnd(bytes: Uint8Array, i: number): number {
  let j = bytes.indexOf(QUOTE, i + 1)
  while (j !== -1) {
    let k = j - 1
    while (bytes[k] === BACKSLASH) k--
    // Preceded by an even number of backslashes: not escaped.
    if ((j - k - 1) % 2 === 0) return j
    j = bytes.indexOf(QUOTE, j + 1)
  }
  return -1
}

/** Keys longer than any chosen one are not spelled out (they cannot match). */
const LONGEST_KEY = 64

/** The key between `start` and `end` as text, or undefined when too long to be a chosen one. */
function keyText(bytes: Uint8Array, start: number, end: number): string | undefined {
  if (end - start > LONGEST_KEY) return undefined
  let key = ''
  for (let k = start; k < end; k++) key += String.fromCharCode(bytes[k]!)
  return key
}

const isSpace = (ch: number) => ch === 32 || ch === 10 || ch === 13 || ch === 9

/**
 * @param limit stop counting past this depth
 * @param keys top-level keys whose values to locate
 * @param itemKeys of those, the ones whose array elements to locate too
 */
export function scanJson(
  bytes: Uint8Array,
  limit: number,
  keys: readonly string[] = [],
  itemKeys: readonly string[] = [],
): JsonScan {
  const values = new Map<string, [number, number]>()
  const items = new Map<string, [number, number][]>()
  const seen = new Set<string>()
  let escapedKey = false
  let depth = 0
  let max = 0
  /** At depth 1 of an object root: the next string is a key. */
  let expectKey = false
  let rootIsObject = false
  /** The chosen key whose value is being read, and where that value starts. */
  let current: string | undefined
  let start = -1
  /** The elements of the chosen array being read, and where the next one starts. */
  let elements: [number, number][] | undefined
  let elementStart = -1
  const n = bytes.length
  const skipSpace = (from: number) => {
    let s = from
    while (s < n && isSpace(bytes[s]!)) s++
    return s
  }
  const endValue = (i: number) => {
    if (current !== undefined && start >= 0) {
      values.set(current, [start, trimEnd(bytes, i)])
      if (elements) items.set(current, elements)
    }
    current = undefined
    start = -1
    elements = undefined
  }
  for (let i = 0; i < n; i++) {
    const ch = bytes[i]!
    if (ch === QUOTE) {
      const j = stringEnd(bytes, i)
      if (j === -1) break
      if (depth === 1 && expectKey && rootIsObject) {
        const key = keyText(bytes, i + 1, j)
        if (bytes.subarray(i + 1, j).includes(BACKSLASH)) escapedKey = true
        else if (key !== undefined && keys.includes(key)) {
          // Twice: `JSON.parse` keeps the last one; simpler to locate neither.
          if (seen.has(key)) {
            values.delete(key)
            items.delete(key)
          } else current = key
          seen.add(key)
        }
        expectKey = false
      }
      i = j
    } else if (ch === 123 || ch === 91) {
      if (depth === 0 && ch === 123) rootIsObject = true
      if (++depth > max) {
        max = depth
        if (max > limit) break
      }
      if (depth === 1) expectKey = true
      else if (depth === 2 && ch === 91 && i === start && itemKeys.includes(current!)) {
        elements = []
        elementStart = skipSpace(i + 1)
      }
    } else if (ch === 125 || ch === 93) {
      if (depth === 2 && elements && ch === 93) {
        const end = trimEnd(bytes, i)
        if (end > elementStart) elements.push([elementStart, end])
      }
      if (depth === 1) endValue(i)
      depth--
    } else if (ch === 44 /* , */) {
      if (depth === 1) {
        endValue(i)
        expectKey = true
      } else if (depth === 2 && elements) {
        elements.push([elementStart, trimEnd(bytes, i)])
        elementStart = skipSpace(i + 1)
      }
    } else if (ch === 58 /* : */ && depth === 1 && current !== undefined) start = skipSpace(i + 1)
  }
  if (escapedKey) {
    values.clear()
    items.clear()
  }
  return { depth: max, values, items }
}

/** The end of the value that ends before `i` (trailing whitespace excluded). */
function trimEnd(bytes: Uint8Array, i: number): number {
  let e = i
  while (e > 0 && isSpace(bytes[e - 1]!)) e--
  return e
}
