/**
 * @module middleware/json-scan: one pass over a JSON text, before `JSON.parse`, for what the
 * parser does not tell: how deep it nests, and where the values of chosen top-level keys lie.
 *
 * Strings are skipped with `indexOf` (most of a Claude Code body is string content), so the scan
 * costs a fraction of `JSON.parse`. It trusts nothing: on malformed text its answer is only a
 * hint, and `JSON.parse` has the last word.
 */

export type JsonScan = {
  /** The deepest nesting seen, counted outside strings (the scan stops once past the limit). */
  depth: number
  /**
   * `[start, end)` of the text of each chosen top-level key's value, when the root is an object and
   * the key appears once, spelled without escapes, among keys that have none either (an escaped
   * key could be a second spelling of the same name, which `JSON.parse` would honour).
   */
  values: Map<string, [number, number]>
  /** For chosen keys whose value is an array: `[start, end)` of each element's text. */
  items: Map<string, [number, number][]>
}

const QUOTE = 34
const BACKSLASH = 92

/** The index of the quote closing the string that opens at `i`, or -1. */
function stringEnd(text: string, i: number): number {
  let j = text.indexOf('"', i + 1)
  while (j !== -1) {
    let k = j - 1
    while (text.charCodeAt(k) === BACKSLASH) k--
    // Preceded by an even number of backslashes: not escaped.
    if ((j - k - 1) % 2 === 0) return j
    j = text.indexOf('"', j + 1)
  }
  return -1
}

const isSpace = (ch: number) => ch === 32 || ch === 10 || ch === 13 || ch === 9

/**
 * @param limit stop counting past this depth
 * @param keys top-level keys whose values to locate
 * @param itemKeys of those, the ones whose array elements to locate too
 */
export function scanJson(
  text: string,
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
  const n = text.length
  const skipSpace = (from: number) => {
    let s = from
    while (s < n && isSpace(text.charCodeAt(s))) s++
    return s
  }
  const endValue = (i: number) => {
    if (current !== undefined && start >= 0) {
      values.set(current, [start, trimEnd(text, i)])
      if (elements) items.set(current, elements)
    }
    current = undefined
    start = -1
    elements = undefined
  }
  for (let i = 0; i < n; i++) {
    const ch = text.charCodeAt(i)
    if (ch === QUOTE) {
      const j = stringEnd(text, i)
      if (j === -1) break
      if (depth === 1 && expectKey && rootIsObject) {
        const key = text.slice(i + 1, j)
        if (key.includes('\\')) escapedKey = true
        else if (keys.includes(key)) {
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
        const end = trimEnd(text, i)
        if (end > elementStart) elements.push([elementStart, end])
      }
      if (depth === 1) endValue(i)
      depth--
    } else if (ch === 44 /* , */) {
      if (depth === 1) {
        endValue(i)
        expectKey = true
      } else if (depth === 2 && elements) {
        elements.push([elementStart, trimEnd(text, i)])
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
function trimEnd(text: string, i: number): number {
  let e = i
  while (e > 0 && isSpace(text.charCodeAt(e - 1))) e--
  return e
}
