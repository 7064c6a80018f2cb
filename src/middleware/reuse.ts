/**
 * @module middleware/reuse: parts of a request body whose JSON bytes repeat a recent request's
 * are taken as they were validated then, not decoded, parsed and validated again.
 *
 * Claude Code resends, on every turn of a conversation, the same tools (36-60 KB), the same
 * system prompt and the whole history so far (all of it but the newest turn). The body's bytes
 * are scanned once (json-scan.ts); each known part is replaced by `null` before decoding and
 * `JSON.parse`, hidden from the schema, then put back in place, so keys and elements keep their
 * order. The values handed on are shared between requests and frozen: nothing downstream may
 * change them.
 */
import { deepFreeze } from '../translate/freeze.js'
import type { JsonScan } from './json-scan.js'

export type ReuseOptions = {
  /** Top-level keys whose whole value is reused (optional in the schema). */
  values?: readonly string[]
  /** Top-level arrays whose elements are reused one by one (history messages). */
  items?: readonly string[]
  /** Byte equality; default a loop here, the Node server passes a native one (Buffer.compare). */
  equal?: (a: Uint8Array, b: Uint8Array) => boolean
}

/** What one body skips (the bytes to parse instead, what goes back where) and what it brings. */
export type Substitution = {
  /** Undefined when nothing is known: parse the body itself. */
  source?: Uint8Array
  values: [string, unknown][]
  items: [string, Map<number, unknown>][]
  /** Parts not known yet, to remember once the body is valid. */
  fresh: { values: [string, Range][]; items: [string, number, Range][] }
}

export type Range = [number, number]
type Entry = { bytes: Uint8Array; value: unknown }

/** Whole values remembered (tools and system prompts of the main agent, sub-agents...). */
const VALUES = 8
/**
 * Elements remembered, by the total size of their bytes; with their parsed values and what is kept
 * for them downstream (normalized and translated forms, upstream bytes) a few times that in memory:
 * ~19 MB of heap after thousands of turns of 200 conversations.
 */
const ITEM_BYTES = 2_000_000

/**
 * A copy of part of the body, holding nothing else. Not `slice()`: on a Node Buffer (validate's
 * view) it is a view, which kept every remembered request's whole body alive.
 */
const copyOf = (bytes: Uint8Array, start: number, end: number): Uint8Array =>
  new Uint8Array(bytes.subarray(start, end))

/** `a` and `b` hold the same bytes. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/** FNV-1a over `bytes[start, end)`, continuing from `h`. */
function fnv(bytes: Uint8Array, start: number, end: number, h: number): number {
  for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i]!, 16777619)
  return h
}

/**
 * A cheap key for a long element (hashing every message whole, twice a request, cost more than
 * the parse it saved): its length and a hash of three samples. Elements with the same key are
 * told apart by comparing them.
 */
const fingerprint = (bytes: Uint8Array, [start, end]: Range): string => {
  // Messages all begin alike (`{"role":"user","content":[{"type":"tool_result"`), then comes
  // what tells same-sized tool results apart: the tool_use_id. The middle and the end tell the
  // rest apart.
  let h = fnv(bytes, Math.min(end, start + 40), Math.min(end, start + 104), 0x811c9dc5)
  const middle = (start + end) >> 1
  h = fnv(bytes, Math.max(start, middle - 12), Math.min(end, middle + 12), h)
  h = fnv(bytes, Math.max(start, end - 32), end, h)
  return `${end - start}:${h >>> 0}`
}

/**
 * Elements kept per fingerprint: texts made to share one (same length, middle and end) would
 * otherwise be compared one by one, a cost growing with the square of their number.
 */
const PER_FINGERPRINT = 4

export class Reuse {
  /** Every key the scan must locate. */
  readonly keys: readonly string[]
  readonly itemKeys: readonly string[]
  readonly #values: (Entry & { key: string })[] = []
  /** Per item key: fingerprint → elements with it, least recently used first. */
  readonly #items = new Map<string, Map<string, Entry[]>>()
  #itemBytes = 0
  readonly #equal: (a: Uint8Array, b: Uint8Array) => boolean

  constructor(options: ReuseOptions = {}) {
    this.itemKeys = options.items ?? []
    this.keys = [...new Set([...(options.values ?? []), ...this.itemKeys])]
    this.#equal = options.equal ?? sameBytes
    for (const key of this.itemKeys) this.#items.set(key, new Map())
  }

  /** The body with each known part replaced by `null` (no source when nothing is known). */
  substitute(bytes: Uint8Array, scan: JsonScan): Substitution {
    const cuts: Range[] = []
    const sub: Substitution = { values: [], items: [], fresh: { values: [], items: [] } }
    for (const [key, range] of scan.values) {
      if (this.itemKeys.includes(key)) continue
      const entry = this.#findValue(key, bytes, range)
      if (!entry) {
        sub.fresh.values.push([key, range])
        continue
      }
      cuts.push(range)
      sub.values.push([key, entry.value])
    }
    for (const [key, ranges] of scan.items) {
      const cache = this.#items.get(key)
      if (!cache) continue
      const known = new Map<number, unknown>()
      ranges.forEach((range, index) => {
        const entry = this.#findItem(cache, bytes, range)
        if (!entry) {
          sub.fresh.items.push([key, index, range])
          return
        }
        cuts.push(range)
        known.set(index, entry.value)
      })
      if (known.size > 0) sub.items.push([key, known])
    }
    if (cuts.length === 0) return sub
    cuts.sort((a, b) => a[0] - b[0])
    const size = cuts.reduce((n, [start, end]) => n - (end - start) + NULL.length, bytes.length)
    const source = new Uint8Array(size)
    let from = 0
    let at = 0
    for (const [start, end] of [...cuts, [bytes.length, bytes.length] as Range]) {
      source.set(bytes.subarray(from, start), at)
      at += start - from
      if (start < bytes.length) {
        source.set(NULL, at)
        at += NULL.length
      }
      from = end
    }
    sub.source = source
    return sub
  }

  /** After `JSON.parse(source)`: true when a `null` stands in every substituted place. */
  holds(json: unknown, sub: Substitution): boolean {
    if (typeof json !== 'object' || json === null || Array.isArray(json)) return false
    const object = json as Record<string, unknown>
    return (
      sub.values.every(([key]) => Object.hasOwn(object, key) && object[key] === null) &&
      sub.items.every(([key, known]) => {
        const list = object[key]
        return Array.isArray(list) && [...known.keys()].every((i) => list[i] === null)
      })
    )
  }

  /**
   * Hides the known parts from the schema: whole values become `undefined` (in place, so the
   * keys keep their order), arrays lose their known elements.
   * @returns `restore()` puts everything back; `path()` maps a schema error's path to the body's
   */
  hide(
    object: Record<string, unknown>,
    sub: Substitution,
  ): { restore(): void; path(path: PropertyKey[]): PropertyKey[] } {
    for (const [key] of sub.values) object[key] = undefined
    const lists = sub.items.map(([key, known]) => {
      const full = object[key] as unknown[]
      const kept = full.flatMap((_, i) => (known.has(i) ? [] : [i]))
      object[key] = kept.map((i) => full[i])
      return { key, known, full, kept }
    })
    return {
      restore() {
        for (const [key, value] of sub.values) object[key] = value
        for (const { key, known, full } of lists) {
          for (const [i, value] of known) full[i] = value
          object[key] = full
        }
      },
      path(path) {
        const list = lists.find((l) => l.key === path[0])
        if (!list || typeof path[1] !== 'number') return path
        return [path[0]!, list.kept[path[1]] ?? path[1], ...path.slice(2)]
      },
    }
  }

  /** Keeps the new parts of a validated body, by their bytes (frozen: they will be shared). */
  remember(bytes: Uint8Array, sub: Substitution, object: Record<string, unknown>): void {
    for (const [key, [start, end]] of sub.fresh.values) {
      const own = copyOf(bytes, start, end)
      this.#values.unshift({ key, bytes: own, value: deepFreeze(object[key]) })
      if (this.#values.length > VALUES) this.#values.pop()
    }
    for (const [key, index, range] of sub.fresh.items) {
      const cache = this.#items.get(key)
      const list = object[key]
      if (!cache || !Array.isArray(list) || list[index] === undefined) continue
      const print = fingerprint(bytes, range)
      const own = bytes.subarray(range[0], range[1])
      const entries = cache.get(print) ?? []
      if (entries.length >= PER_FINGERPRINT) continue
      // The same element twice in one body.
      if (entries.some((e) => this.#equal(e.bytes, own))) continue
      entries.push({ bytes: copyOf(own, 0, own.length), value: deepFreeze(list[index]) })
      cache.set(print, entries)
      this.#itemBytes += own.length
    }
    this.#evictItems()
  }

  #evictItems() {
    for (const cache of this.#items.values())
      for (const [print, entries] of cache) {
        if (this.#itemBytes <= ITEM_BYTES) return
        cache.delete(print)
        for (const e of entries) this.#itemBytes -= e.bytes.length
      }
  }

  /** The element with these bytes, its fingerprint moved to the most recently used end. */
  #findItem(cache: Map<string, Entry[]>, bytes: Uint8Array, range: Range): Entry | undefined {
    const print = fingerprint(bytes, range)
    const entries = cache.get(print)
    if (!entries) return undefined
    const part = bytes.subarray(range[0], range[1])
    const entry = entries.find((e) => this.#equal(e.bytes, part))
    if (entry) {
      cache.delete(print)
      cache.set(print, entries)
    }
    return entry
  }

  /** The whole value with these bytes, moved to the front (the tools in use stay). */
  #findValue(key: string, bytes: Uint8Array, [start, end]: Range) {
    const length = end - start
    const entries = this.#values
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!
      if (e.key !== key || e.bytes.length !== length) continue
      if (!this.#equal(e.bytes, bytes.subarray(start, end))) continue
      if (i > 0) entries.unshift(...entries.splice(i, 1))
      return e
    }
    return undefined
  }
}

const NULL = new Uint8Array([110, 117, 108, 108])
