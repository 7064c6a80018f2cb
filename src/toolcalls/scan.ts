/**
 * @module toolcalls/scan: small incremental scanning helpers shared by the parser and the formats.
 *
 * Everything here works on a buffer that only grows and resumes where it stopped, so the parser
 * stays linear in the length of the answer however it is chunked.
 */

export const isWhitespace = (c: string | undefined): boolean =>
  c === ' ' || c === '\n' || c === '\r' || c === '\t'

/** Index of the first non-whitespace character at or after `i` (`s.length` if none). */
export function skipWhitespace(s: string, i: number): number {
  while (i < s.length && isWhitespace(s[i])) i++
  return i
}

/** How `token` stands at `s[i..]`: complete, cut off by the end of `s`, or absent. */
export function matchToken(s: string, i: number, token: string): 'full' | 'partial' | 'none' {
  if (s.length - i >= token.length) return s.startsWith(token, i) ? 'full' : 'none'
  return token.startsWith(s.slice(i)) ? 'partial' : 'none'
}

/** Length of the longest end of `s` that is the start of one of `tokens` (the text to hold back). */
export function partialSuffixLength(s: string, tokens: readonly string[]): number {
  let best = 0
  for (const token of tokens) {
    for (let k = Math.min(token.length - 1, s.length); k > best; k--) {
      if (s.endsWith(token.slice(0, k))) {
        best = k
        break
      }
    }
  }
  return best
}

/** A token found by {@link findToken}; `index` is -1 (and `token` empty) when none was. */
export type TokenHit = { index: number; token: string; resume: number }

/**
 * The earliest complete occurrence of one of `tokens` at or after `from`. When there is none,
 * `resume` is where the next search may start without missing a token cut by the end of `s`.
 */
export function findToken(s: string, tokens: readonly string[], from: number): TokenHit {
  let index = -1
  let found = ''
  let longest = 0
  for (const token of tokens) {
    longest = Math.max(longest, token.length)
    const i = s.indexOf(token, from)
    if (i >= 0 && (index < 0 || i < index)) {
      index = i
      found = token
    }
  }
  return { index, token: found, resume: Math.max(from, s.length - longest + 1) }
}

/**
 * Finds where the bracketed value opening at `start` (`{`, `[` or `(`) closes, skipping quoted
 * strings (Python's triple-quoted ones too when `quotes` has `'`). `scan` returns the index after
 * the closing bracket, or -1 while it is still open. Bracket kinds are only counted, not matched:
 * the value is parsed properly afterwards.
 */
export function createBracketScanner(start: number, quotes = '"'): { scan(s: string): number } {
  const python = quotes.includes("'")
  let pos = start
  let depth = 0
  let quote = ''
  let escaped = false
  return {
    scan(s) {
      for (; pos < s.length; pos++) {
        const c = s[pos] as string
        if (quote) {
          if (escaped) escaped = false
          else if (c === '\\') escaped = true
          else if (c === quote[0]) {
            if (s.length - pos < quote.length) return -1
            if (s.startsWith(quote, pos)) {
              pos += quote.length - 1
              quote = ''
            }
          }
        } else if (quotes.includes(c)) {
          if (python && s.length - pos < 3) return -1
          quote = python && s.startsWith(c.repeat(3), pos) ? c.repeat(3) : c
          pos += quote.length - 1
        } else if (c === '{' || c === '[' || c === '(') {
          depth++
        } else if ((c === '}' || c === ']' || c === ')') && --depth === 0) {
          pos++
          return pos
        }
      }
      return -1
    },
  }
}

/** Index after the balanced JSON object or array starting `s` (after whitespace), or -1. */
export function balancedJsonEnd(s: string): number {
  const start = skipWhitespace(s, 0)
  if (s[start] !== '{' && s[start] !== '[') return -1
  return createBracketScanner(start).scan(s)
}

/**
 * Readers scan incrementally, but each `+=` on a long body makes V8 flatten the string again on
 * the next read. Past this length a body is rescanned only after it grew by an eighth, which
 * keeps a 200 KB `Write` call linear; its end is then noticed a little later (or at the end).
 */
const EAGER_SCAN_LENGTH = 8192
export const shouldScan = (length: number, scanned: number, final: boolean): boolean =>
  final || length <= EAGER_SCAN_LENGTH || length - scanned >= length / 8
