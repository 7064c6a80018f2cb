/**
 * @module middleware/reuse: parts of a request body whose JSON text repeats a recent request's
 * are taken as they were validated then, not parsed and validated again.
 *
 * Claude Code resends, on every turn of a conversation, the same tools (36-60 KB), the same
 * system prompt and the whole history so far (all of it but the newest turn). The body's text is
 * scanned once (json-scan.ts); each known part's text is replaced by `null` before `JSON.parse`,
 * hidden from the schema, then put back in place, so keys and elements keep their order. The
 * values handed on are shared between requests and frozen: nothing downstream may change them.
 */
import { deepFreeze } from '../translate/freeze.js'
import type { JsonScan } from './json-scan.js'

export type ReuseOptions = {
  /** Top-level keys whose whole value is reused (optional in the schema). */
  values?: readonly string[]
  /** Top-level arrays whose elements are reused one by one (history messages). */
  items?: readonly string[]
}

/** What one body skips (the text to parse instead, what goes back where) and what it brings. */
export type Substitution = {
  /** Undefined when nothing is known: parse the text itself. */
  source?: string
  values: [string, unknown][]
  items: [string, Map<number, unknown>][]
  /** Parts not known yet, to remember once the body is valid. */
  fresh: { values: [string, Range][]; items: [string, number, Range][] }
}

export type Range = [number, number]
type Entry = { text: string; value: unknown }

/** Whole values remembered (tools and system prompts of the main agent, sub-agents...). */
const VALUES = 8
/** Elements remembered, by the total length of their text (about 3x that in memory). */
const ITEM_CHARS = 2_000_000

/** A copy of part of the text: a slice would keep the whole body's text alive. */
const copyOf = (text: string, [start, end]: Range): string =>
  `${text.slice(start, end)} `.slice(0, -1)

/**
 * A cheap key for a long text (hashing every message's whole text, twice a request, cost more
 * than the parse it saved); texts with the same key are told apart by comparing them.
 */
const fingerprint = (text: string, [start, end]: Range): string => {
  // Messages all begin alike (`{"role":"user","content":[{"type":"tool_result"`), then comes
  // what tells same-sized tool results apart: the tool_use_id. The middle and the end tell the
  // rest apart.
  const head = text.slice(Math.min(end, start + 40), Math.min(end, start + 104))
  const middle = (start + end) >> 1
  const mid = text.slice(Math.max(start, middle - 12), Math.min(end, middle + 12))
  return `${end - start}:${head}:${mid}:${text.slice(Math.max(start, end - 32), end)}`
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
  #itemChars = 0

  constructor(options: ReuseOptions = {}) {
    this.itemKeys = options.items ?? []
    this.keys = [...new Set([...(options.values ?? []), ...this.itemKeys])]
    for (const key of this.itemKeys) this.#items.set(key, new Map())
  }

  /** The text with each known part replaced by `null` (no source when nothing is known). */
  substitute(text: string, scan: JsonScan): Substitution {
    const cuts: Range[] = []
    const sub: Substitution = { values: [], items: [], fresh: { values: [], items: [] } }
    for (const [key, range] of scan.values) {
      if (this.itemKeys.includes(key)) continue
      const entry = this.#findValue(key, text, range)
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
        const entry = this.#findItem(cache, text, range)
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
    let source = ''
    let from = 0
    for (const [start, end] of cuts) {
      source += `${text.slice(from, start)}null`
      from = end
    }
    sub.source = source + text.slice(from)
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

  /** Keeps the new parts of a validated body, by their text (frozen: they will be shared). */
  remember(text: string, sub: Substitution, object: Record<string, unknown>): void {
    for (const [key, range] of sub.fresh.values) {
      this.#values.unshift({ key, text: copyOf(text, range), value: deepFreeze(object[key]) })
      if (this.#values.length > VALUES) this.#values.pop()
    }
    for (const [key, index, range] of sub.fresh.items) {
      const cache = this.#items.get(key)
      const list = object[key]
      if (!cache || !Array.isArray(list) || list[index] === undefined) continue
      const print = fingerprint(text, range)
      const own = copyOf(text, range)
      const entries = cache.get(print) ?? []
      if (entries.length >= PER_FINGERPRINT) continue
      if (entries.some((e) => e.text === own)) continue // the same element twice in one body
      entries.push({ text: own, value: deepFreeze(list[index]) })
      cache.set(print, entries)
      this.#itemChars += own.length
    }
    this.#evictItems()
  }

  #evictItems() {
    for (const cache of this.#items.values())
      for (const [print, entries] of cache) {
        if (this.#itemChars <= ITEM_CHARS) return
        cache.delete(print)
        for (const e of entries) this.#itemChars -= e.text.length
      }
  }

  /** The element with this text, its fingerprint moved to the most recently used end. */
  #findItem(cache: Map<string, Entry[]>, text: string, range: Range): Entry | undefined {
    const print = fingerprint(text, range)
    const entries = cache.get(print)
    if (!entries) return undefined
    const slice = text.slice(range[0], range[1])
    const entry = entries.find((e) => e.text === slice)
    if (entry) {
      cache.delete(print)
      cache.set(print, entries)
    }
    return entry
  }

  /** The whole value for this text, moved to the front (the tools in use stay). */
  #findValue(key: string, text: string, [start, end]: Range) {
    const length = end - start
    const entries = this.#values
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!
      if (e.key !== key || e.text.length !== length || e.text !== text.slice(start, end)) continue
      if (i > 0) entries.unshift(...entries.splice(i, 1))
      return e
    }
    return undefined
  }
}
