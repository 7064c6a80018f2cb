/**
 * @module backends/kinds/vllm: vLLM's OpenAI server (`vllm serve`), quirks from the vLLM docs and
 * PRs #27752 / #33402 (late 2025 – early 2026; protocol.md §7.6).
 */
import type { KindProfile } from '../types.js'
import { BASE_DEFAULTS } from './base.js'

export const vllm: KindProfile = {
  // The served model name must match exactly: the detected id (GET /v1/models) is used.
  defaults: {
    ...BASE_DEFAULTS,
    // Needs --enable-auto-tool-choice --tool-call-parser; arguments stream in fragments.
    tools: 'native',
    textToolFormats: [],
    // Without --reasoning-parser, thinking stays in content as <think> markup.
    thinkTags: true,
    thinking: 'chat_template_kwargs',
    // Reads both; max_completion_tokens is its documented name.
    maxTokensField: 'both',
    // The Mistral parser needs 9-char ids (vllm#9019): opt in per config.
    shortToolIds: false,
    // Reasoning field is `reasoning` since ~Nov 2025 (`reasoning_content` before); newer versions
    // read `message.reasoning` back, but replaying changes the prompt: off by default.
    replayThinking: false,
    speedRank: 70,
    toolRank: 60,
    // With continuous usage stats, usage can be on every chunk.
    streamUsage: true,
  },
}
