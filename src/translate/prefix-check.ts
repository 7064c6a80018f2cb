/**
 * @module translate/prefix-check: how much of the backend's KV cache a request can reuse.
 *
 * A local server reuses its cache only up to the first token that differs from the previous
 * prompt. These helpers compare two translated upstream requests the way a chat template sees
 * them (tools, then messages in order) and report where they part: the library behind
 * `anyclaude check-cache` and the prefix-stability tests.
 */
import type { Backend } from '../backends/types.js'
import type { MessagesRequest } from '../schemas/anthropic.js'
import { type NormalizeOptions, normalizeRequest } from './normalize.js'
import { type RequestOptions, toOpenAIRequest } from './request.js'

export type PrefixComparison = {
  /** UTF-8 bytes shared at the start of both renderings (system, tools, then the other messages). */
  sharedBytes: number
  /** UTF-8 bytes of the previous request's rendering. */
  prevBytes: number
  /** Leading messages that are byte-identical. */
  sharedMessages: number
  prevMessages: number
  /** The next request repeats every message of the previous one but its last (which may merge). */
  extendsPrefix: boolean
  /** Tools and the leading system message(s) are byte-identical. */
  systemAndToolsIdentical: boolean
}

export type StabilityReport = PrefixComparison & {
  /** Index in the input of the later request of the pair. */
  index: number
  warnings: string[]
}

type Upstream = Record<string, unknown>

const messagesOf = (req: Upstream): unknown[] => (Array.isArray(req.messages) ? req.messages : [])
/** Leading system messages, tools, then the conversation: the order Qwen and Hermes templates render. */
function render(req: Upstream): { all: string; systemAndTools: string } {
  const messages = messagesOf(req)
  const end = messages.findIndex((m) => (m as { role?: unknown }).role !== 'system')
  const split = end === -1 ? messages.length : end
  const head = JSON.stringify({ system: messages.slice(0, split), tools: req.tools ?? [] })
  const all = `${head.slice(0, -1)},"messages":${JSON.stringify(messages.slice(split))}}`
  return { all, systemAndTools: head }
}

const encoder = new TextEncoder()

function sharedPrefixBytes(a: string, b: string): number {
  let n = 0
  const max = Math.min(a.length, b.length)
  while (n < max && a.charCodeAt(n) === b.charCodeAt(n)) n++
  // Do not count half of a surrogate pair.
  if (n > 0 && n < max && /[\uD800-\uDBFF]/.test(a.charAt(n - 1))) n--
  return encoder.encode(a.slice(0, n)).length
}

/**
 * Compares two upstream bodies (as built by {@link toOpenAIRequest}).
 *
 * @example comparePrefix(first, second).extendsPrefix // true when the cache stays warm
 */
export function comparePrefix(prev: Upstream, next: Upstream): PrefixComparison {
  const a = messagesOf(prev).map((m) => JSON.stringify(m))
  const b = messagesOf(next).map((m) => JSON.stringify(m))
  let sharedMessages = 0
  while (sharedMessages < a.length && a[sharedMessages] === b[sharedMessages]) sharedMessages++
  const before = render(prev)
  const after = render(next)
  return {
    sharedBytes: sharedPrefixBytes(before.all, after.all),
    prevBytes: encoder.encode(before.all).length,
    sharedMessages,
    prevMessages: a.length,
    extendsPrefix: sharedMessages >= a.length - 1,
    systemAndToolsIdentical: before.systemAndTools === after.systemAndTools,
  }
}

/**
 * Normalizes and translates each request, then compares every consecutive pair. Pass the requests
 * of one Claude Code session (one backend cache), in order.
 */
export function checkCacheStability(
  requests: readonly MessagesRequest[],
  backend: Backend,
  opts: NormalizeOptions & RequestOptions,
): StabilityReport[] {
  const translated = requests.map((req) => {
    const normalized = normalizeRequest(req, opts)
    const upstream = toOpenAIRequest(normalized.value, backend, opts)
    return { body: upstream.value, warnings: [...normalized.warnings, ...upstream.warnings] }
  })
  return translated.slice(1).flatMap((next, i) => {
    const prev = translated[i]
    if (!prev) return []
    return [{ index: i + 1, ...comparePrefix(prev.body, next.body), warnings: next.warnings }]
  })
}
