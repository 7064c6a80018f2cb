/**
 * @module backends/kinds/ollama: Ollama's OpenAI compatibility layer (`openai/openai.go`, 2026
 * snapshot; streams recorded from 0.13.5; protocol.md §7.5).
 */
import type { KindProfile } from '../types.js'
import { BASE_DEFAULTS } from './base.js'

/** Ollama's default num_ctx; the OpenAI endpoint cannot raise it (ollama#4447, #5902). */
const DEFAULT_CONTEXT = 4096

export const ollama: KindProfile = {
  defaults: {
    ...BASE_DEFAULTS,
    // Each call arrives complete in one chunk; the model must declare tool support.
    tools: 'native',
    textToolFormats: [],
    // Images only as base64 data URLs, and only for vision models: off unless configured.
    vision: false,
    // reasoning_effort "none" turns `think` off; reasoning comes back as `reasoning`.
    thinking: 'reasoning_effort',
    // Its request struct has max_tokens only (no max_completion_tokens, no top_k).
    maxTokensField: 'max_tokens',
    // A content array becomes several messages, one per part: send plain strings.
    stringContentOnly: true,
    // No tool_choice, no parallel_tool_calls in its request struct.
    toolChoice: false,
    parallelToolCalls: false,
    // Prompts beyond the context are silently truncated ("truncating input messages"): assume the
    // small default until /api/ps reports the loaded context or the config sets contextWindow.
    contextWindow: DEFAULT_CONTEXT,
    speedRank: 40,
    toolRank: 40,
  },
}
