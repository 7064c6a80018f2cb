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
import { Reuse, type ReuseOptions } from './reuse.js'

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
  /** Parts of the body taken from a recent request when their JSON bytes repeat (reuse.ts). */
  reuse?: ReuseOptions
  /**
   * The body's bytes as a view with a fast `indexOf` (the scan's main cost): the Node server
   * passes a Buffer over the same memory (native; a Uint8Array's is ~3x slower). Default: as is.
   */
  view?: (bytes: Uint8Array) => Uint8Array
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
export const formatZodError = (
  error: z.ZodError,
  mapPath: (path: PropertyKey[]) => PropertyKey[] = (p) => p,
): string => {
  const issue = error.issues[0]
  if (!issue) return 'invalid request'
  const found = leaf(issue as Issue)
  const path = mapPath(found.path)
  const message = found.message
  return `${path.length ? path.map(String).join('.') : 'body'}: ${message}`
}

/** The body's bytes → validated data, or a precise 400 (413 above the limit). */
async function readBody(
  c: Context,
  schema: z.ZodType,
  limits: BodyLimits & { maxBytes: number; tooLarge: () => Error },
  reuse: Reuse,
  view: (bytes: Uint8Array) => Uint8Array,
): Promise<unknown> {
  // The raw request's bytes (Hono's body cache would keep a second copy alive), unless an
  // earlier middleware (the --debug 3 tracer) already read the body through that cache.
  const bytes = c.req.raw.bodyUsed ? await c.req.arrayBuffer() : await c.req.raw.arrayBuffer()
  if (bytes.byteLength > limits.maxBytes) throw limits.tooLarge()
  c.set('bodyBytes', bytes.byteLength)
  return parseBody(view(new Uint8Array(bytes)), schema, limits, reuse)
}

export type BodyLimits = { maxDepth: number }

/**
 * UTF-8 JSON → text for `JSON.parse`. As ASCII with \u escapes: a small one-byte string instead
 * of a 150 KB two-byte one, and ~170 µs faster to decode and parse (see ascii-json.ts).
 */
const jsonText = (bytes: Uint8Array): string => asciiJson(bytes, decoder) ?? strictText(bytes)

/**
 * JSON bytes → the value, validated by `schema`, or a precise 400. Parts of the body `reuse`
 * knows from recent requests are taken from there instead of being decoded and parsed again.
 */
export function parseBody(
  bytes: Uint8Array,
  schema: z.ZodType,
  { maxDepth }: BodyLimits,
  reuse: Reuse,
): unknown {
  const scan = scanJson(bytes, maxDepth, reuse.keys, reuse.itemKeys)
  if (scan.depth > maxDepth)
    throw invalidRequest(`the request body nests deeper than ${maxDepth} levels`)
  // Parts known from recent requests are not decoded or parsed again (see reuse.ts); if the
  // substitution does not hold (malformed JSON), the whole body is parsed and reports the error.
  const sub = reuse.substitute(bytes, scan)
  let json = sub.source === undefined ? undefined : parseJsonOrUndefined(jsonText(sub.source))
  const known = sub.source !== undefined && reuse.holds(json, sub)
  if (!known) json = parseJson(jsonText(bytes))
  const object = json as Record<string, unknown>
  const hidden = known ? reuse.hide(object, sub) : undefined
  const parsed = schema.safeParse(json)
  if (!parsed.success) throw invalidRequest(formatZodError(parsed.error, hidden?.path))
  hidden?.restore()
  // Parts it was meant to skip were parsed after all: remember nothing from this odd body.
  if (known || sub.source === undefined) reuse.remember(bytes, sub, object)
  // The schemas are loose and have no defaults or transforms, so the input is the valid value:
  // zod's output is a deep copy of it, another 140 KB tree to collect per Claude Code request.
  return json
}

/** `JSON.parse`, or a precise 400. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch (e) {
    throw invalidRequest(`malformed JSON in the request body: ${(e as Error).message}`)
  }
}

function parseJsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
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
  const limits = { maxDepth, maxBytes, tooLarge }
  const reuse = new Reuse(options.reuse)
  const view = options.view ?? ((bytes: Uint8Array) => bytes)
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
    c.set('body', await readBody(c, options.schema, limits, reuse, view))
    await next()
  }
}
