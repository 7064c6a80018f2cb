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

/** Tool lists remembered (main agent, sub-agents, side requests). */
const TOOL_LISTS = 4

/** Strings shorter than this are not worth a lookup. */
const MIN_LENGTH = 256
/** Nor are huge ones kept: 1024 entries of at most 64k characters bound the table. */
const MAX_LENGTH = 65_536

/** Structural equality of JSON values, without building strings. */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false
    return true
  }
  if (Array.isArray(b)) return false
  const ka = Object.keys(a)
  const kb = Object.keys(b)
  if (ka.length !== kb.length) return false
  for (let i = 0; i < ka.length; i++) {
    const k = ka[i]!
    // Key order matters: it is part of the bytes sent upstream (prefix stability).
    if (k !== kb[i]) return false
    if (!sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
      return false
  }
  return true
}

/**
 * A cheap key for a long string: hashing 60 KB of tool descriptions per request cost more than it
 * saved; a collision only costs a full comparison.
 */
const fingerprint = (s: string): string => `${s.length}:${s.slice(0, 48)}:${s.slice(-48)}`

type Tool = NonNullable<MessagesRequest['tools']>[number]

/** Same tool: interned description and schema by identity, any other field by value. */
function sameTool(a: Tool, b: Tool): boolean {
  if (a === b) return true
  const ka = Object.keys(a)
  if (ka.length !== Object.keys(b).length) return false
  for (const k of ka) {
    const x = (a as Record<string, unknown>)[k]
    const y = (b as Record<string, unknown>)[k]
    if (x !== y && !(k !== 'description' && k !== 'input_schema' && sameJson(x, y))) return false
  }
  return true
}

export class Interner {
  readonly #strings = new Map<string, string>()
  readonly #schemas = new Map<string, Record<string, unknown>>()
  readonly #toolLists: NonNullable<MessagesRequest['tools']>[] = []
  /** A parsed tool → its interned copy (the same parsed tool comes back when its text repeats). */
  readonly #byTool = new WeakMap<Tool, Tool>()
  readonly #max: number

  /** @param max entries kept per table before it is cleared (a crude bound, never a leak) */
  constructor(max = 1024) {
    this.#max = max
  }

  string(s: string): string {
    if (s.length < MIN_LENGTH || s.length > MAX_LENGTH) return s
    const key = fingerprint(s)
    const known = this.#strings.get(key)
    if (known === s) return known
    if (this.#strings.size >= this.#max) this.#strings.clear()
    this.#strings.set(key, s)
    return s
  }

  /**
   * Equal schemas become the same object (treat it as read-only). `key` names the schema's place
   * (the tool name): a schema is compared only with the last one seen there.
   */
  schema(key: string, schema: Record<string, unknown>): Record<string, unknown> {
    const known = this.#schemas.get(key)
    if (known !== undefined && sameJson(known, schema)) return known
    if (this.#schemas.size >= this.#max) this.#schemas.clear()
    this.#schemas.set(key, schema)
    return schema
  }

  /**
   * The whole tools list: the same array object as last time when every tool is the same, so the
   * translated and serialised tools can be cached by identity (tools.ts, encode-json.ts).
   */
  tools(list: NonNullable<MessagesRequest['tools']>): NonNullable<MessagesRequest['tools']> {
    const interned = list.map((t) => {
      // The same parsed tool again (validate reuses tools whose text repeats): its interned copy.
      const known = this.#byTool.get(t)
      if (known) return known
      const copy = {
        ...t,
        ...(typeof t.description === 'string' ? { description: this.string(t.description) } : {}),
        ...(t.input_schema ? { input_schema: this.schema(t.name, t.input_schema) } : {}),
      }
      this.#byTool.set(t, copy)
      return copy
    })
    for (const known of this.#toolLists)
      if (known.length === interned.length && interned.every((t, i) => sameTool(t, known[i]!)))
        return known
    // A few lists, not one: Claude Code alternates its main agent's tools with sub-agents' sets.
    this.#toolLists.unshift(interned)
    if (this.#toolLists.length > TOOL_LISTS) this.#toolLists.pop()
    return interned
  }

  /** The request with its tools and system prompt interned (a shallow copy; nothing mutated). */
  request(req: MessagesRequest): MessagesRequest {
    const out: MessagesRequest = { ...req }
    if (req.tools) out.tools = this.tools(req.tools)
    if (typeof req.system === 'string') out.system = this.string(req.system)
    else if (Array.isArray(req.system))
      out.system = req.system.map((b) =>
        b.type === 'text' && typeof b.text === 'string' ? { ...b, text: this.string(b.text) } : b,
      )
    return out
  }
}
