/**
 * Property tests of the text tool-call parser (fast-check, fixed seed): text without markup comes
 * back unchanged whatever the chunking, and calls written in every format come back as written.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { repairToolArguments } from '../../src/toolcalls/repair.js'
import { TEXT_TOOL_FORMATS, type TextToolCallParserOptions } from '../../src/toolcalls/types.js'
import { type Comparable, call, comparable, runChunks, splitSizes, text } from './helpers.js'

const RUNS = { numRuns: 200, seed: 20250601 }
const NAMES = ['get_weather', 'Bash', 'read_file', 'TodoWrite']
const ALL: TextToolCallParserOptions = { formats: TEXT_TOOL_FORMATS, toolNames: NAMES }

const MARKERS = [
  '<tool_call>',
  '<function=',
  '<|python_tag|>',
  '[TOOL_CALLS]',
  '[TOOL_REQUEST]',
  '<|tool_call_start|>',
  '<|python_start|>',
  '<|channel|>',
  '<|start|>',
  '<think>',
  '</think>',
]
/** Fragments that look like markup, so the held-back prefixes get exercised. */
const FRAGMENTS = [
  ...'<>[]{}()|"\'=:,_ \n/tolcaTOLCAkhin',
  '<tool',
  '<tool_cal',
  '</think',
  '<thi',
  '<|',
  '|>',
  '<|python',
  '<|channel',
  '<|start',
  '[TOOL_',
  '[TOOL_REQ',
  '<function',
  'name',
  'get_weather',
  'Bash',
  '你好',
  '😀',
]
const markupFree = (s: string) =>
  MARKERS.every((m) => !s.includes(m)) &&
  // Anchored formats: an answer that starts like a call may rightly become one.
  !/^\s*\{\s*"(name|type|function|parameters|arguments)"/.test(s) &&
  !/^\s*\[\s*(get_weather|Bash|read_file|TodoWrite)\s*\(/i.test(s)

const sizes = fc.array(fc.integer({ min: 1, max: 10 }), { minLength: 1, maxLength: 8 })
const prose = fc.stringMatching(/^[A-Za-z0-9 .,!?\n]{0,20}$/)
const name = fc.constantFrom(...NAMES)
const key = fc.stringMatching(/^[a-z_][a-z0-9_]{0,7}$/)
const args = fc.dictionary(key, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 })
const calls = fc.array(fc.record({ name, args }), { minLength: 1, maxLength: 3 })
const roundTrip = (v: unknown) => JSON.parse(JSON.stringify(v))

/** Expected pieces with adjacent texts joined and empty ones dropped. */
function pieces(...items: (Comparable | string)[]): Comparable[] {
  const out: Comparable[] = []
  for (const item of items) {
    const piece = typeof item === 'string' ? text(item) : item
    const last = out[out.length - 1]
    if (piece.type === 'text' && piece.text === '') continue
    if (piece.type === 'text' && last?.type === 'text') last.text += piece.text
    else out.push(piece)
  }
  return out
}

type Call = { name: string; args: Record<string, unknown> }
const expectedCall = (c: Call) => call(c.name, roundTrip(c.args))

/** Writes a value as a Python literal, with either quote style. */
function toPython(v: unknown, single: boolean): string {
  if (v === null) return 'None'
  if (typeof v === 'boolean') return v ? 'True' : 'False'
  if (typeof v === 'number') return JSON.stringify(v)
  if (typeof v === 'string') {
    const q = single ? "'" : '"'
    const body = [...v]
      .map((ch) => {
        if (ch === '\\' || ch === q) return `\\${ch}`
        if (ch === '\n') return '\\n'
        const code = ch.codePointAt(0) as number
        return code < 0x20 || code === 0x7f ? `\\x${code.toString(16).padStart(2, '0')}` : ch
      })
      .join('')
    return `${q}${body}${q}`
  }
  if (Array.isArray(v)) return `[${v.map((x) => toPython(x, !single)).join(', ')}]`
  const entries = Object.entries(v as Record<string, unknown>)
  return `{${entries.map(([k, x]) => `${toPython(k, single)}: ${toPython(x, single)}`).join(', ')}}`
}

/** Each format: a generator of [input, expected pieces]. */
const FORMAT_CASES: Record<string, fc.Arbitrary<[string, Comparable[]]>> = {
  hermes: fc
    .tuple(prose, calls, fc.array(prose, { minLength: 3, maxLength: 3 }), fc.boolean())
    .map(([before, cs, gaps, argsFirst]) => {
      const parts: (Comparable | string)[] = [before]
      let input = before
      cs.forEach((c, i) => {
        const obj = argsFirst
          ? { arguments: c.args, name: c.name }
          : { name: c.name, arguments: c.args }
        const gap = gaps[i] as string
        input += `<tool_call>\n${JSON.stringify(obj)}\n</tool_call>${gap}`
        parts.push(expectedCall(c), gap)
      })
      return [input, pieces(...parts)]
    }),
  'llama3-json': fc
    .tuple(fc.constantFrom('', ' ', '\n\n'), calls)
    .map(([ws, cs]) => [
      ws + cs.map((c) => JSON.stringify({ name: c.name, parameters: c.args })).join('; '),
      pieces(ws, ...cs.flatMap((c, i) => (i === 0 ? [expectedCall(c)] : [' ', expectedCall(c)]))),
    ]),
  'mistral-v3': fc
    .tuple(prose, calls)
    .map(([before, cs]) => [
      `${before}[TOOL_CALLS] ${JSON.stringify(cs.map((c) => ({ name: c.name, arguments: c.args })))}`,
      pieces(before, ...cs.map(expectedCall)),
    ]),
  'mistral-v11': fc
    .tuple(prose, calls)
    .map(([before, cs]) => [
      before + cs.map((c) => `[TOOL_CALLS]${c.name}[ARGS]${JSON.stringify(c.args)}`).join(''),
      pieces(before, ...cs.map(expectedCall)),
    ]),
  lmstudio: fc
    .tuple(prose, calls, prose)
    .map(([before, cs, after]) => [
      before +
        cs
          .map(
            (c) =>
              `[TOOL_REQUEST]\n${JSON.stringify({ name: c.name, arguments: c.args })}\n[END_TOOL_REQUEST]`,
          )
          .join('') +
        after,
      pieces(before, ...cs.map(expectedCall), after),
    ]),
  pythonic: fc.tuple(calls, fc.boolean()).map(([cs, single]) => [
    `[${cs
      .map(
        (c) =>
          `${c.name}(${Object.entries(c.args)
            .map(([k, v]) => `${k}=${toPython(v, single)}`)
            .join(', ')})`,
      )
      .join(', ')}]`,
    pieces(...cs.map(expectedCall)),
  ]),
  harmony: fc
    .tuple(
      prose.filter((s) => s !== ''),
      calls,
    )
    .filter(([, cs]) => !JSON.stringify(cs).includes('<|'))
    .map(([thought, cs]) => [
      `<|channel|>analysis<|message|>${thought}<|end|>` +
        cs
          .map(
            (c) =>
              `<|start|>assistant<|channel|>commentary to=functions.${c.name} <|constrain|>json<|message|>${JSON.stringify(c.args)}<|call|>`,
          )
          .join(''),
      pieces({ type: 'reasoning', text: thought }, ...cs.map(expectedCall)),
    ]),
}

describe('parser properties', () => {
  it('releases text without tool-call markup unchanged, however it is chunked', () => {
    const input = fc
      .oneof(
        fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 40 }).map((a) => a.join('')),
        fc.string({ unit: 'grapheme', maxLength: 60 }),
        fc.string({ unit: 'binary', maxLength: 60 }),
      )
      .filter(markupFree)
    fc.assert(
      fc.property(input, sizes, fc.boolean(), (s, split, think) => {
        const got = runChunks({ ...ALL, think }, splitSizes(s, split))
        expect(got.every((p) => p.type === 'text')).toBe(true)
        expect(got.map((p) => (p.type === 'text' ? p.text : '')).join('')).toBe(s)
      }),
      RUNS,
    )
  })

  for (const [format, cases] of Object.entries(FORMAT_CASES)) {
    it(`parses random ${format} calls back to their arguments`, () => {
      fc.assert(
        fc.property(cases, sizes, ([input, expected], split) => {
          expect(comparable(runChunks(ALL, splitSizes(input, split)))).toEqual(expected)
        }),
        RUNS,
      )
    })
  }

  const xmlValue = fc
    .string({ unit: 'grapheme', maxLength: 30 })
    .filter((s) => !s.includes('</parameter>'))
  const xmlCall = (n: string, values: Record<string, string>) =>
    `<tool_call>\n<function=${n}>\n${Object.entries(values)
      .map(([k, v]) => `<parameter=${k}>\n${v}\n</parameter>\n`)
      .join('')}</function>\n</tool_call>`

  it('parses random qwen3-coder calls back to their string values', () => {
    const values = fc.dictionary(key, xmlValue, { maxKeys: 4 })
    fc.assert(
      fc.property(prose, name, values, prose, sizes, (before, n, v, after, split) => {
        const got = runChunks(ALL, splitSizes(before + xmlCall(n, v) + after, split))
        expect(comparable(got)).toEqual(pieces(before, call(n, v), after))
      }),
      RUNS,
    )
  })

  it('coerces qwen3-coder string values back to the schema types', () => {
    const schema = {
      type: 'object',
      properties: {
        count: { type: 'integer' },
        ratio: { type: 'number' },
        flag: { type: 'boolean' },
        tags: { type: 'array', items: { type: 'string' } },
        meta: { type: 'object', additionalProperties: { type: 'string' } },
        note: { type: 'string' },
        limit: { type: ['integer', 'null'] },
      },
    }
    const typed = fc.record(
      {
        count: fc.integer(),
        ratio: fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => (x === 0 ? 0 : x)),
        flag: fc.boolean(),
        tags: fc.array(fc.string({ unit: 'grapheme', maxLength: 8 }), { maxLength: 3 }),
        meta: fc.dictionary(key, fc.string({ maxLength: 8 }), { maxKeys: 3 }),
        note: xmlValue,
        limit: fc.option(fc.integer(), { nil: null }),
      },
      { requiredKeys: [] },
    )
    const render = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v))
    fc.assert(
      fc.property(typed, sizes, (value, split) => {
        const values = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, render(v)]))
        fc.pre(Object.values(values).every((v) => !v.includes('</parameter>')))
        const [piece] = runChunks(ALL, splitSizes(xmlCall('Bash', values), split))
        expect(piece?.type).toBe('tool-call')
        if (piece?.type !== 'tool-call') return
        const repaired = repairToolArguments(piece.arguments, schema)
        expect(repaired.input).toEqual(value)
        expect(repaired.ok).toBe(true)
      }),
      RUNS,
    )
  })
})
