/**
 * @module middleware/validate: the request body → `c.get('request')`, or a precise 400.
 *
 * Hand-rolled around zod instead of `hono/validator` because the errors must be exact: a wrong
 * content type, invalid UTF-8, malformed JSON, nesting too deep, and the failing field by path.
 */
import type { Context, MiddlewareHandler } from 'hono'
import type { z } from 'zod'
import { invalidRequest, ProxyError } from '../errors.js'
import { asciiJson } from './ascii-json.js'
import { scanJson } from './json-scan.js'

export type ValidateVariables = {
  body: unknown
  /** The body's size in bytes: a free measure of the prompt (no re-serialising). */
  bodyBytes: number
}

export type ValidateOptions<S extends z.ZodType> = {
  schema: S
  /** Deepest JSON nesting accepted (deeper bodies are a 400, not a stack overflow). */
  maxDepth?: number
  /** Largest body accepted, in bytes (413 `request_too_large` above it). */
  maxBytes?: number
  /**
   * Top-level keys (optional in the schema, and never mutated downstream) whose value is taken
   * from a recent request when its JSON text is the same: not parsed nor validated again.
   */
  reuse?: readonly string[]
}

const decoder = new TextDecoder()
/** Keeps a BOM (not JSON), as the ASCII path does. */
const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/** The body as it is, when asciiJson cannot stand for it: not UTF-8 is a 400 here. */
function strictText(bytes: Uint8Array): string {
  try {
    return strict.decode(bytes)
  } catch {
    throw invalidRequest('the request body is not valid UTF-8')
  }
}

type Issue = { code?: string; path: PropertyKey[]; message: string; errors?: Issue[][] }

/**
 * The most specific failure of an issue. Inside a union (a string or blocks; one block type or
 * another) it is the branch that got furthest, not one that merely failed on the `type` tag.
 */
function leaf(issue: Issue): { path: PropertyKey[]; message: string } {
  if (issue.code !== 'invalid_union' || !issue.errors?.length) return issue
  let best: { path: PropertyKey[]; message: string; score: number } | undefined
  for (const branch of issue.errors) {
    if (!branch[0]) continue
    const l = leaf(branch[0])
    const onTag = l.path.length === 1 && l.path[0] === 'type'
    const score = (onTag ? 0 : 1000) + l.path.length
    if (!best || score > best.score) best = { ...l, score }
  }
  return best ? { path: [...issue.path, ...best.path], message: best.message } : issue
}

/** `messages.0.content.1.text: Invalid input: expected string, received number` */
export const formatZodError = (error: z.ZodError): string => {
  const issue = error.issues[0]
  if (!issue) return 'invalid request'
  const { path, message } = leaf(issue as Issue)
  return `${path.length ? path.map(String).join('.') : 'body'}: ${message}`
}

/** The body's bytes → validated data, or a precise 400 (413 above the limit). */
async function readBody(
  c: Context,
  schema: z.ZodType,
  limits: { maxDepth: number; maxBytes: number; tooLarge: () => Error },
  recent: RecentValues,
): Promise<unknown> {
  const { maxDepth, maxBytes } = limits
  // The raw request's bytes (Hono's body cache would keep a second copy alive), unless an
  // earlier middleware (the --debug 3 tracer) already read the body through that cache.
  const bytes = c.req.raw.bodyUsed ? await c.req.arrayBuffer() : await c.req.raw.arrayBuffer()
  if (bytes.byteLength > maxBytes) throw limits.tooLarge()
  c.set('bodyBytes', bytes.byteLength)
  // As ASCII with \u escapes: a small one-byte string instead of a 150 KB two-byte one, and
  // ~170 µs faster to decode and parse (see ascii-json.ts).
  const view = new Uint8Array(bytes)
  const text = asciiJson(view, decoder) ?? strictText(view)
  const scan = scanJson(text, maxDepth, recent.keys)
  if (scan.depth > maxDepth)
    throw invalidRequest(`the request body nests deeper than ${maxDepth} levels`)
  let { source, reused } = recent.substitute(text, scan.values)
  let json = reused.length > 0 ? parseJson(source, reused) : undefined
  if (json === undefined) {
    // Nothing recognised, or the substitution did not hold: the whole text.
    json = parseJson(text)
    reused = []
  }
  const object = json as Record<string, unknown>
  // Validated already: hidden from zod (in place, so the keys keep their order).
  for (const [key] of reused) object[key] = undefined
  const parsed = schema.safeParse(json)
  if (!parsed.success) throw invalidRequest(formatZodError(parsed.error))
  for (const [key, value] of reused) object[key] = value
  recent.remember(text, scan.values, object)
  // The schemas are loose and have no defaults or transforms, so the input is the valid value:
  // zod's output is a deep copy of it, another 140 KB tree to collect per Claude Code request.
  return json
}

/**
 * `JSON.parse`, or a precise 400. With substituted values, `undefined` unless each stands where
 * its key's value was (otherwise the caller parses the original text).
 */
function parseJson(text: string, reused: readonly [string, unknown][] = []): unknown {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (e) {
    if (reused.length > 0) return undefined
    throw invalidRequest(`malformed JSON in the request body: ${(e as Error).message}`)
  }
  if (reused.length === 0) return json
  const object = json as Record<string, unknown> | null
  const held =
    typeof object === 'object' &&
    object !== null &&
    reused.every(([key]) => Object.hasOwn(object, key) && object[key] === null)
  return held ? json : undefined
}

/**
 * The last few validated values of the reusable keys, by their JSON text. Claude Code sends the
 * same tools (36-60 KB of the body) on every request; recognising their text saves parsing,
 * validating and interning them again (~0.15 ms of the ~0.9 ms before the upstream request).
 */
class RecentValues {
  readonly keys: readonly string[]
  readonly #entries: { key: string; text: string; value: unknown }[] = []

  constructor(keys: readonly string[]) {
    this.keys = keys
  }

  /** The text with each recognised value replaced by `null`, and those values. */
  substitute(
    text: string,
    ranges: ReadonlyMap<string, [number, number]>,
  ): { source: string; reused: [string, unknown][] } {
    const reused: [string, unknown][] = []
    if (ranges.size === 0 || this.#entries.length === 0) return { source: text, reused }
    let source = ''
    let from = 0
    for (const [key, [start, end]] of [...ranges].sort((a, b) => a[1][0] - b[1][0])) {
      const entry = this.#find(key, text, start, end)
      if (!entry) continue
      source += `${text.slice(from, start)}null`
      from = end
      reused.push([key, entry.value])
    }
    return reused.length > 0
      ? { source: source + text.slice(from), reused }
      : { source: text, reused }
  }

  /** Keeps the validated values of a body, by their text. */
  remember(
    text: string,
    ranges: ReadonlyMap<string, [number, number]>,
    json: Record<string, unknown>,
  ) {
    for (const [key, [start, end]] of ranges) {
      if (this.#find(key, text, start, end)) continue
      // A copy: a slice would keep the whole body's text alive.
      const own = `${text.slice(start, end)} `.slice(0, -1)
      this.#entries.unshift({ key, text: own, value: json[key] })
      if (this.#entries.length > RECENT) this.#entries.pop()
    }
  }

  /** The entry for this text, moved to the front (the main agent's tools stay while in use). */
  #find(key: string, text: string, start: number, end: number) {
    const length = end - start
    const entries = this.#entries
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!
      if (e.key !== key || e.text.length !== length || e.text !== text.slice(start, end)) continue
      if (i > 0) entries.unshift(...entries.splice(i, 1))
      return e
    }
    return undefined
  }
}

/** Values remembered (tools and system prompts of the main agent, sub-agents, side requests). */
const RECENT = 8

/**
 * @param options.schema the zod schema (loose objects: unknown fields pass)
 * @param options.maxDepth default 256
 * @example app.post('/v1/messages', validate({ schema: MessagesRequestSchema }), handler)
 */
export const validate = <S extends z.ZodType>(options: ValidateOptions<S>): MiddlewareHandler => {
  const maxDepth = options.maxDepth ?? 256
  const maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY
  const tooLarge = () =>
    new ProxyError(413, 'request_too_large', `request body is larger than ${maxBytes} bytes`)
  const limits = { maxDepth, maxBytes, tooLarge }
  const recent = new RecentValues(options.reuse ?? [])
  return async function validate(c, next) {
    // Claude Code always sends content-length: refuse before reading a body that is too big.
    if (Number(c.req.header('content-length')) > maxBytes) throw tooLarge()
    const type = c.req.header('content-type') ?? ''
    if (!/^application\/json\b/i.test(type))
      throw invalidRequest(
        `content-type must be application/json (got ${type ? `"${type}"` : 'none'})`,
      )
    // Read and parsed in a function of its own: locals of this frame live until `next()`
    // returns, and the bytes, the text and the raw JSON (~0.4 MB for a Claude Code turn) must not.
    c.set('body', await readBody(c, options.schema, limits, recent))
    await next()
  }
}
