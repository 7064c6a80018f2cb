/**
 * Fuzz: recorded Claude Code requests, mutated (fields deleted, replaced by random JSON, retyped;
 * the JSON text truncated; random bytes inserted), and posted to the app. The property: never a
 * 5xx; a 4xx is a valid Anthropic error envelope; a 200 is a valid stream or message; nothing
 * crashes.
 *
 * Fixed seed and a bounded count in CI. A longer run:
 *   FUZZ_RUNS=100000 npx vitest run test/reliability/fuzz.test.ts
 * (`FUZZ_SEED=n` picks another seed; a failure prints its seed and path for `fc.assert` replay.)
 */
import { readFileSync } from 'node:fs'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { anthropicHeaders, testApp } from '../helpers/app.js'
import { textChunks } from '../helpers/fake-openai.js'
import { parseSse } from '../helpers/sse.js'
import { expectCompleteStream, expectEnvelope } from './helpers.js'

const RUNS = Number(process.env.FUZZ_RUNS ?? 2000)
const SEED = Number(process.env.FUZZ_SEED ?? 20260401)

type Json = null | boolean | number | string | Json[] | { [k: string]: Json }

/** The POST /v1/messages bodies of a recorded Claude Code session, as sent. */
function recorded(name: string): Record<string, Json>[] {
  return readFileSync(new URL(`../fixtures/claude-code/${name}.jsonl`, import.meta.url), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { path: string; method: string; body: Record<string, Json> })
    .filter((r) => r.method === 'POST' && r.path === '/v1/messages')
    .map((r) => r.body)
}

const full = [...recorded('01-plain-say-hi'), ...recorded('02-tool-read')]
// Smaller copies (3 tools, the same messages) keep most runs fast; the full ones stay in the mix.
const trimmed = full.map((b) => ({
  ...b,
  tools: ((b.tools as Json[] | undefined) ?? []).slice(0, 3),
}))
const BASES = [...full, ...trimmed, ...trimmed]

/** Every path in a JSON value (objects and arrays), shallow ones first. */
function paths(value: Json, limit = 4000): (string | number)[][] {
  const out: (string | number)[][] = []
  const queue: [Json, (string | number)[]][] = [[value, []]]
  while (queue.length && out.length < limit) {
    const [v, p] = queue.shift()!
    if (v === null || typeof v !== 'object') continue
    const entries: [string | number, Json][] = Array.isArray(v)
      ? v.map((x, i) => [i, x])
      : Object.entries(v)
    for (const [k, x] of entries) {
      out.push([...p, k])
      queue.push([x, [...p, k]])
    }
  }
  return out
}

function parentOf(
  root: Json,
  path: (string | number)[],
): { parent: Record<string | number, Json>; key: string | number } | undefined {
  let cur: Json = root
  for (const k of path.slice(0, -1)) {
    if (cur === null || typeof cur !== 'object') return undefined
    cur = (cur as Record<string | number, Json>)[k] as Json
  }
  if (cur === null || typeof cur !== 'object') return undefined
  return { parent: cur as Record<string | number, Json>, key: path.at(-1)! }
}

/** A value of another type than `v`. */
function retype(v: Json, variant: number): Json {
  const options: Json[] = [
    '',
    'text',
    0,
    -1,
    1.5,
    2 ** 53,
    true,
    false,
    null,
    [],
    [v],
    {},
    { type: 'text' },
  ]
  const others = options.filter(
    (o) => typeof o !== typeof v || Array.isArray(o) !== Array.isArray(v),
  )
  return others[variant % others.length] ?? null
}

type Op =
  | { kind: 'delete'; pick: number }
  | { kind: 'replace'; pick: number; value: Json }
  | { kind: 'retype'; pick: number; variant: number }
  | { kind: 'stream'; value: boolean }

type TextOp =
  | { kind: 'truncate'; at: number }
  | { kind: 'bytes'; at: number; bytes: Uint8Array }
  | { kind: 'none' }

const pick = fc.nat({ max: 1_000_000 })
// Shallow paths (the top-level fields) are picked as often as deep ones.
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), pick }),
  fc.record({
    kind: fc.constant('replace' as const),
    pick,
    value: fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>,
  }),
  fc.record({ kind: fc.constant('retype' as const), pick, variant: fc.nat(20) }),
  fc.record({ kind: fc.constant('stream' as const), value: fc.boolean() }),
)
const textOpArb: fc.Arbitrary<TextOp> = fc.oneof(
  { weight: 4, arbitrary: fc.constant({ kind: 'none' as const }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('truncate' as const),
      at: fc.double({ min: 0, max: 1, noNaN: true }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('bytes' as const),
      at: fc.double({ min: 0, max: 1, noNaN: true }),
      bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }),
    }),
  },
)

function mutate(base: Record<string, Json>, ops: Op[], shallow: boolean): Record<string, Json> {
  const body = structuredClone(base)
  for (const op of ops) {
    if (op.kind === 'stream') {
      body.stream = op.value
      continue
    }
    const all = paths(body)
    const pool = shallow ? all.filter((p) => p.length <= 3) : all
    const path = pool[op.pick % Math.max(1, pool.length)]
    if (!path) continue
    const at = parentOf(body, path)
    if (!at) continue
    const { parent, key } = at
    if (op.kind === 'delete') {
      if (Array.isArray(parent)) parent.splice(Number(key), 1)
      else delete parent[key]
    } else if (op.kind === 'replace') parent[key] = op.value
    else parent[key] = retype(parent[key] as Json, op.variant)
  }
  return body
}

function encode(body: Record<string, Json>, op: TextOp): Uint8Array<ArrayBuffer> {
  const bytes = new TextEncoder().encode(JSON.stringify(body))
  if (op.kind === 'truncate') return bytes.slice(0, Math.floor(op.at * bytes.length))
  if (op.kind === 'bytes') {
    const i = Math.floor(op.at * bytes.length)
    const out = new Uint8Array(bytes.length + op.bytes.length)
    out.set(bytes.subarray(0, i), 0)
    out.set(op.bytes, i)
    out.set(bytes.subarray(i), i + op.bytes.length)
    return out
  }
  return bytes
}

describe('fuzz: mutated Claude Code requests', () => {
  it(`never a 5xx, always a valid envelope, stream or message (${RUNS} runs, seed ${SEED})`, {
    timeout: 120_000 + RUNS * 50,
  }, async () => {
    const { app } = testApp(
      () => ({
        chunks: textChunks(['fuzzed ', 'ok'], {
          usage: { prompt_tokens: 10, completion_tokens: 2 },
        }),
      }),
      {
        pingAfterMs: 5000,
      },
    )
    const statuses: Record<number, number> = {}
    await fc.assert(
      fc.asyncProperty(
        fc.nat(BASES.length - 1),
        fc.array(opArb, { minLength: 0, maxLength: 4 }),
        fc.boolean(),
        textOpArb,
        async (b, ops, shallow, textOp) => {
          const body = mutate(BASES[b]!, ops, shallow)
          const res = await app.request('/v1/messages', {
            method: 'POST',
            headers: anthropicHeaders,
            body: encode(body, textOp),
          })
          const text = await res.text()
          statuses[res.status] = (statuses[res.status] ?? 0) + 1
          expect(res.status, text.slice(0, 500)).toBeLessThan(500)
          if (res.status >= 400) {
            expectEnvelope(JSON.parse(text))
            return
          }
          expect(res.status).toBe(200)
          if ((res.headers.get('content-type') ?? '').includes('text/event-stream')) {
            const frames = parseSse(text)
            expect(
              frames.some((f) => f.event === 'error'),
              text.slice(-500),
            ).toBe(false)
            expectCompleteStream(frames)
          } else {
            const msg = JSON.parse(text) as { type: string; role: string; content: unknown[] }
            expect(msg).toMatchObject({ type: 'message', role: 'assistant' })
            expect(Array.isArray(msg.content)).toBe(true)
          }
        },
      ),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    )
    // Both sides of the property were exercised.
    expect(statuses[200]).toBeGreaterThan(RUNS / 10)
    expect(statuses[400]).toBeGreaterThan(RUNS / 10)
  })
})
