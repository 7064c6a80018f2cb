/**
 * A fake KV-cache backend: it remembers every prompt it processed (as mlx-lm's LRU prompt cache
 * and MLX-Textgen's cache slots do), reuses the longest common prefix, charges simulated prefill
 * time per uncached token, and reports `prompt_tokens_details.cached_tokens` like mlx-lm >= Feb 2026.
 */
import type { FakeCall, FakeReply } from './fake-openai.js'
import { textChunks } from './fake-openai.js'

/** One "token" per 4 characters of the rendered prompt: the fake's tokenizer. */
const CHARS_PER_TOKEN = 4

/** The prompt as a chat template would render it: tools, then each message in order. */
export const renderPrompt = (body: Record<string, unknown>): string =>
  JSON.stringify(body.tools ?? []) +
  (body.messages as unknown[]).map((m) => JSON.stringify(m)).join('\n')

const commonPrefix = (a: string, b: string): number => {
  const n = Math.min(a.length, b.length)
  let i = 0
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++
  return i
}

export type KvStats = { promptTokens: number; cachedTokens: number; prefillMs: number }

export function kvCacheBackend(opts: { msPerUncachedToken?: number; slots?: number } = {}) {
  const cache: string[] = []
  const stats: KvStats[] = []
  const handler = (call: FakeCall): FakeReply => {
    const prompt = renderPrompt(call.body)
    let best = 0
    for (const p of cache) best = Math.max(best, commonPrefix(p, prompt))
    const promptTokens = Math.ceil(prompt.length / CHARS_PER_TOKEN)
    const cachedTokens = Math.floor(best / CHARS_PER_TOKEN)
    const prefillMs = (promptTokens - cachedTokens) * (opts.msPerUncachedToken ?? 0)
    cache.unshift(prompt)
    if (cache.length > (opts.slots ?? 10)) cache.pop()
    stats.push({ promptTokens, cachedTokens, prefillMs })
    return {
      headerDelayMs: prefillMs,
      chunks: textChunks(['Done.'], {
        usage: {
          prompt_tokens: promptTokens,
          completion_tokens: 2,
          prompt_tokens_details: { cached_tokens: cachedTokens },
        },
      }),
    }
  }
  return { handler, stats }
}
