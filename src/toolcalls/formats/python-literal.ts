/**
 * @module toolcalls/formats/python-literal: a parser for the Python subset pythonic tool calls use:
 * `[f(a=1), g(b="x", c=[True, None], d={'k': 1.5})]`. Strings with either quote (and triple
 * quotes, `r`/`u` prefixes, escapes), numbers, True/False/None (and JSON's true/false/null, which
 * LFM2 sometimes writes), lists, tuples, dicts.
 */

export type PythonCall = { name: string; args: Record<string, unknown> }

const IDENT = /[A-Za-z_][\w.-]*/y
const NUMBER = /[-+]?(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][-+]?\d+)?/y
const CONSTANTS: Record<string, unknown> = {
  True: true,
  False: false,
  None: null,
  true: true,
  false: false,
  null: null,
}
const ESCAPES: Record<string, string> = {
  n: '\n',
  t: '\t',
  r: '\r',
  b: '\b',
  f: '\f',
  v: '\v',
  a: '\x07',
  '0': '\0',
  '\\': '\\',
  "'": "'",
  '"': '"',
  '\n': '',
}

class PythonSyntaxError extends Error {}

/** Parses `[call, ...]`; null when the text is not exactly such a list. */
export function parsePythonCallList(text: string): PythonCall[] | null {
  let pos = 0
  const fail = (): never => {
    throw new PythonSyntaxError(`unexpected input at ${pos}`)
  }
  const ws = () => {
    while (pos < text.length && /\s/.test(text[pos] as string)) pos++
  }
  const eat = (c: string): boolean => {
    ws()
    if (text[pos] !== c) return false
    pos++
    return true
  }
  const expect = (c: string) => {
    if (!eat(c)) fail()
  }
  const sticky = (re: RegExp): string | undefined => {
    re.lastIndex = pos
    const m = re.exec(text)
    if (!m) return undefined
    pos = re.lastIndex
    return m[0]
  }
  /** Items up to `close`, with an optional trailing comma. */
  const items = <T>(close: string, item: () => T): T[] => {
    const out: T[] = []
    while (!eat(close)) {
      out.push(item())
      if (!eat(',')) {
        expect(close)
        break
      }
    }
    return out
  }
  const string = (): string => {
    let raw = false
    while (/[rRuUbB]/.test(text[pos] ?? '') && /['"rRuUbB]/.test(text[pos + 1] ?? '')) {
      if (/[rR]/.test(text[pos] as string)) raw = true
      pos++
    }
    const q = text[pos] as string
    const delim = text.startsWith(q.repeat(3), pos) ? q.repeat(3) : q
    pos += delim.length
    let out = ''
    for (;;) {
      if (pos >= text.length) fail()
      if (text.startsWith(delim, pos)) {
        pos += delim.length
        return out
      }
      const c = text[pos++] as string
      if (c !== '\\') {
        out += c
        continue
      }
      const e = text[pos++] ?? fail()
      if (raw) out += `\\${e}`
      else if (e === 'x' || e === 'u' || e === 'U') {
        const n = e === 'x' ? 2 : e === 'u' ? 4 : 8
        const hex = text.slice(pos, pos + n)
        if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== n) fail()
        out += String.fromCodePoint(Number.parseInt(hex, 16))
        pos += n
      } else out += ESCAPES[e] ?? `\\${e}`
    }
  }
  const value = (): unknown => {
    ws()
    const c = text[pos]
    if (c === '[' || c === '(') {
      pos++
      return items(c === '[' ? ']' : ')', value)
    }
    if (c === '{') {
      pos++
      const entries = items('}', (): [string, unknown] => {
        const key = value()
        expect(':')
        return [typeof key === 'string' ? key : JSON.stringify(key), value()]
      })
      return Object.fromEntries(entries)
    }
    if (c === '"' || c === "'" || (/[rRuUbB]/.test(c ?? '') && /['"]/.test(text[pos + 1] ?? ''))) {
      return string()
    }
    const number = sticky(NUMBER)
    if (number !== undefined) return Number(number.replace(/_/g, ''))
    const word = sticky(IDENT)
    if (word !== undefined && word in CONSTANTS) return CONSTANTS[word]
    return fail()
  }
  const call = (): PythonCall => {
    ws()
    const name = sticky(IDENT) ?? fail()
    expect('(')
    const args: Record<string, unknown> = {}
    items(')', () => {
      ws()
      // Positional arguments cannot be mapped to parameter names without the schema.
      const key = sticky(IDENT) ?? fail()
      expect('=')
      args[key] = value()
    })
    return { name, args }
  }
  try {
    expect('[')
    const calls = items(']', call)
    ws()
    return pos === text.length ? calls : null
  } catch (e) {
    if (e instanceof PythonSyntaxError) return null
    throw e
  }
}
