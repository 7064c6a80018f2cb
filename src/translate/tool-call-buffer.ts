/**
 * @module translate/tool-call-buffer: OpenAI tool-call deltas accumulated into whole calls.
 *
 * Anthropic cannot interleave blocks and Claude Code needs every `input_json_delta` prefix to be
 * valid JSON, so each call is buffered until it is complete and emitted whole (protocol.md §6.4).
 */
import type { StreamPart } from './stream-parts.js'

type Entry = { key: number; id?: string; name: string; args: string }

export type ToolCallDelta = {
  index?: number | null
  id?: string | null
  function?: { name?: string | null; arguments?: string | null } | null
}

export class ToolCallBuffer {
  #entries = new Map<number, Entry>()
  #nextSynthetic = -1
  /** The entry that fragments of an OpenAI index currently extend (see {@link #keyFor}). */
  #current = new Map<number, number>()

  get size(): number {
    return this.#entries.size
  }

  add(delta: ToolCallDelta): void {
    const key = this.#keyFor(delta)
    let entry = this.#entries.get(key)
    if (!entry) {
      entry = { key, name: '', args: '' }
      this.#entries.set(key, entry)
    }
    // mlx-lm (Jun 2025 - Jan 2026) sends `id: null`; older Ollama none: ids are generated later.
    if (delta.id && !entry.id) entry.id = delta.id
    const name = delta.function?.name
    // LM Studio 0.3.16 repeats `name: ""` on every argument fragment: never overwrite with empty.
    if (name && !entry.name) entry.name = name
    const args = delta.function?.arguments
    if (typeof args === 'string') entry.args += args
    // Ollama serialises arguments as an object in some versions.
    else if (args && typeof args === 'object') entry.args += JSON.stringify(args)
  }

  #keyFor(delta: ToolCallDelta): number {
    if (typeof delta.index === 'number') {
      const key = this.#current.get(delta.index) ?? delta.index
      const existing = this.#entries.get(key)
      // A different id on a named call at the same index is a new call: Ollama 0.20 sends every
      // parallel call with index 0 (ollama#15457). Later fragments of that index belong to the
      // new call, not the first one, so the index is re-pointed at it.
      if (
        existing &&
        delta.id &&
        existing.id &&
        delta.id !== existing.id &&
        existing.name &&
        delta.function?.name
      ) {
        const fresh = this.#nextSynthetic--
        this.#current.set(delta.index, fresh)
        return fresh
      }
      return key
    }
    // Old mlx-lm: no index, each call whole in its own delta. Match by id, else a new call.
    if (delta.id) for (const e of this.#entries.values()) if (e.id === delta.id) return e.key
    if (!delta.id && !delta.function?.name && this.#entries.size > 0) {
      // An argument fragment without index or id continues the latest call.
      return [...this.#entries.keys()].at(-1)!
    }
    return this.#nextSynthetic--
  }

  /** Emits every buffered call in arrival order and empties the buffer. */
  drain(truncated = false): StreamPart[] {
    const out: StreamPart[] = []
    for (const e of this.#entries.values()) {
      if (!e.name) {
        out.push({
          type: 'warning',
          message: `dropped a tool call without a name (args ${e.args.length} chars)`,
        })
        continue
      }
      out.push({
        type: 'tool-call',
        ...(e.id ? { id: e.id } : {}),
        name: e.name,
        arguments: e.args,
        ...(truncated ? { truncated: true } : {}),
      })
    }
    this.#entries.clear()
    this.#current.clear()
    return out
  }
}
