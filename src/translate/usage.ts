/** @module translate/usage: backend token counts → Anthropic usage (protocol.md §6.6). */
import type { Usage } from './anthropic-types.js'
import type { UpstreamUsage } from './stream-parts.js'

/** Reads OpenAI `usage` (and llama.cpp `timings`) into {@link UpstreamUsage}; undefined when absent. */
export function readOpenAIUsage(chunk: Record<string, unknown>): UpstreamUsage | undefined {
  const usage = chunk.usage as Record<string, unknown> | null | undefined
  const timings = chunk.timings as Record<string, unknown> | null | undefined
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined)
  if (usage && typeof usage === 'object') {
    const details = usage.prompt_tokens_details as Record<string, unknown> | null | undefined
    return {
      promptTokens: num(usage.prompt_tokens),
      completionTokens: num(usage.completion_tokens),
      // llama.cpp reports reuse as timings.cache_n
      cachedTokens: num(details?.cached_tokens) ?? num(timings?.cache_n),
    }
  }
  if (timings && typeof timings === 'object') {
    // llama.cpp without usage: prompt_n counts only the tokens it processed, cache_n the reused ones.
    const promptN = num(timings.prompt_n)
    const cacheN = num(timings.cache_n)
    return {
      promptTokens: promptN !== undefined ? promptN + (cacheN ?? 0) : undefined,
      completionTokens: num(timings.predicted_n),
      cachedTokens: cacheN,
    }
  }
  return undefined
}

/**
 * Anthropic usage: cached tokens are `cache_read_input_tokens` and are subtracted from
 * `input_tokens` (Claude Code adds them up; reporting both would double count).
 * @param estimates used when the backend reported nothing (never zero after real work)
 */
export function toAnthropicUsage(
  upstream: UpstreamUsage | undefined,
  estimates: { inputTokens: number; outputTokens: number },
): Usage {
  const prompt = upstream?.promptTokens ?? estimates.inputTokens
  const cached = Math.min(upstream?.cachedTokens ?? 0, prompt)
  return {
    input_tokens: Math.max(0, prompt - cached),
    output_tokens: upstream?.completionTokens ?? estimates.outputTokens,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: cached,
  }
}

/** Merges a later usage report into an earlier one (fields present later win). */
export const mergeUsage = (a: UpstreamUsage | undefined, b: UpstreamUsage): UpstreamUsage => ({
  promptTokens: b.promptTokens ?? a?.promptTokens,
  completionTokens: b.completionTokens ?? a?.completionTokens,
  cachedTokens: b.cachedTokens ?? a?.cachedTokens,
})
