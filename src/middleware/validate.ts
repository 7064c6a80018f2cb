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
}

const decoder = new TextDecoder()

/**
 * Nesting depth of a JSON text, counted outside strings; stops early past `limit`. Strings are
 * skipped with `indexOf` (most of a Claude Code body is string content), so the scan costs a
 * fraction of `JSON.parse`.
 */
export function jsonDepth(text: string, limit: number): number {
  let depth = 0
  let max = 0
  const n = text.length
  for (let i = 0; i < n; i++) {
    const ch = text.charCodeAt(i)
    if (ch === 34) {
      // Find the closing quote: one not preceded by an odd number of backslashes.
      let j = text.indexOf('"', i + 1)
      while (j !== -1) {
        let k = j - 1
        while (text.charCodeAt(k) === 92) k--
        if ((j - k - 1) % 2 === 0) break
        j = text.indexOf('"', j + 1)
      }
      if (j === -1) return max
      i = j
    } else if (ch === 123 || ch === 91) {
      if (++depth > max) {
        max = depth
        if (max > limit) return max
      }
    } else if (ch === 125 || ch === 93) depth--
  }
  return max
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
  maxDepth: number,
  maxBytes: number,
  tooLarge: () => Error,
): Promise<unknown> {
  // The raw request's bytes (Hono's body cache would keep a second copy alive), unless an
  // earlier middleware (the --debug 3 tracer) already read the body through that cache.
  const bytes = c.req.raw.bodyUsed ? await c.req.arrayBuffer() : await c.req.raw.arrayBuffer()
  if (bytes.byteLength > maxBytes) throw tooLarge()
  c.set('bodyBytes', bytes.byteLength)
  // As ASCII with \u escapes: a small one-byte string instead of a 150 KB two-byte one, and
  // ~170 µs faster to decode and parse (see ascii-json.ts).
  const text = asciiJson(new Uint8Array(bytes), decoder)
  if (text === undefined) throw invalidRequest('the request body is not valid UTF-8')
  if (jsonDepth(text, maxDepth) > maxDepth)
    throw invalidRequest(`the request body nests deeper than ${maxDepth} levels`)
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (e) {
    throw invalidRequest(`malformed JSON in the request body: ${(e as Error).message}`)
  }
  const parsed = schema.safeParse(json)
  if (!parsed.success) throw invalidRequest(formatZodError(parsed.error))
  // The schemas are loose and have no defaults or transforms, so the input is the valid value:
  // zod's output is a deep copy of it, another 140 KB tree to collect per Claude Code request.
  return json
}

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
    c.set('body', await readBody(c, options.schema, maxDepth, maxBytes, tooLarge))
    await next()
  }
}
