/**
 * @module backends/kinds/anthropic: a server speaking the Anthropic Messages API (the Anthropic
 * API 2023-06-01; also LM Studio 0.4.x, llama.cpp since Jan 2026, Ollama and vLLM `/v1/messages`).
 * Requests and streams pass through `{url}/messages`; the OpenAI-side flags below are unused.
 */
import type { KindProfile } from '../types.js'
import { BASE_DEFAULTS } from './base.js'

export const anthropic: KindProfile = {
  defaults: {
    ...BASE_DEFAULTS,
    textToolFormats: [],
    thinkTags: false,
    vision: true,
    structuredOutput: false,
    // Often remote (and paid): a fallback unless ranked up in the config.
    speedRank: 20,
    toolRank: 20,
  },
}
