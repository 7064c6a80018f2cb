/**
 * @module intern: one shared copy of what every request of a session repeats.
 *
 * Claude Code sends the same two dozen tools (60+ KB of descriptions and schemas) and system
 * prompt on every request. Parsed anew each time, every in-flight request would hold its own copy
 * (the largest part of anyclaude's memory at high concurrency), and the per-schema caches (schema
 * cleaning, argument-check compilation) would never hit. The interner swaps them for one canonical
 * copy, so the request's own copies die young and the caches hit across requests.
 */
import type { MessagesRequest } from './schemas/anthropic.js'

/** Strings shorter than this are not worth a lookup. */
const MIN_LENGTH = 256

export class Interner {
  readonly #strings = new Map<string, string>()
  readonly #schemas = new Map<string, Record<string, unknown>>()
  readonly #max: number

  /** @param max entries kept per table before it is cleared (a crude bound, never a leak) */
  constructor(max = 1024) {
    this.#max = max
  }

  string(s: string): string {
    if (s.length < MIN_LENGTH) return s
    const known = this.#strings.get(s)
    if (known !== undefined) return known
    if (this.#strings.size >= this.#max) this.#strings.clear()
    this.#strings.set(s, s)
    return s
  }

  /** Equal schemas (by their JSON text) become the same object. Treat the result as read-only. */
  schema(schema: Record<string, unknown>): Record<string, unknown> {
    const key = JSON.stringify(schema)
    const known = this.#schemas.get(key)
    if (known !== undefined) return known
    if (this.#schemas.size >= this.#max) this.#schemas.clear()
    this.#schemas.set(key, schema)
    return schema
  }

  /** The request with its tools and system prompt interned (a shallow copy; nothing mutated). */
  request(req: MessagesRequest): MessagesRequest {
    const out: MessagesRequest = { ...req }
    if (req.tools)
      out.tools = req.tools.map((t) => ({
        ...t,
        ...(typeof t.description === 'string' ? { description: this.string(t.description) } : {}),
        ...(t.input_schema ? { input_schema: this.schema(t.input_schema) } : {}),
      }))
    if (typeof req.system === 'string') out.system = this.string(req.system)
    else if (Array.isArray(req.system))
      out.system = req.system.map((b) =>
        b.type === 'text' && typeof b.text === 'string' ? { ...b, text: this.string(b.text) } : b,
      )
    return out
  }
}
