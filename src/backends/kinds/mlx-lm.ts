/**
 * @module backends/kinds/mlx-lm: mlx-lm's `mlx_lm.server` (ml-explore/mlx-lm), quirks read from
 * `mlx_lm/server.py` at HEAD of Aug 2026 and its history back to 2024 (protocol.md §7.1).
 */
import type { KindProfile } from '../types.js'
import { BASE_DEFAULTS } from './base.js'

/** The name mlx-lm maps to the model it was started with. */
export const MLX_LM_DEFAULT_MODEL = 'default_model'

/** Sent when a request has no max_tokens at all (Claude Code's own default output cap). */
const FALLBACK_MAX_TOKENS = 32_000

export const mlxLm: KindProfile = {
  // Any other string is treated as a model path or HF repo to load (a Claude model name would
  // start a download), so the default is the preloaded model's alias.
  defaultModel: MLX_LM_DEFAULT_MODEL,
  // GET /v1/models lists every MLX-looking repo in the HF cache, not the model being served.
  ignoreDetectedModel: true,
  defaults: {
    ...BASE_DEFAULTS,
    // Tools are parsed server-side only for recognised chat templates (json_tools, qwen3_coder,
    // mistral, pythonic, ...); otherwise, or when a call fails to parse, the call comes back as text.
    tools: 'native',
    textToolFormats: ['hermes', 'qwen3-coder', 'llama3-json', 'mistral', 'pythonic'],
    // Content arrays may hold only `text` parts ("Only 'text' content type is supported.").
    vision: false,
    // Thinking is a template switch: chat_template_kwargs {enable_thinking}.
    thinking: 'chat_template_kwargs',
    structuredOutput: false,
    // Reads max_completion_tokens first, then max_tokens; max_tokens is what every server reads.
    maxTokensField: 'max_tokens',
    // tool_choice and parallel_tool_calls are ignored.
    toolChoice: false,
    parallelToolCalls: false,
    // Ids are 36-char UUIDs, which breaks Mistral templates next turn (mlx-lm#1375): opt in per config.
    shortToolIds: false,
    // Fastest path on Apple silicon, with an LRU of prefix caches (since Dec 2025).
    speedRank: 100,
    toolRank: 80,
    // Usage only in the extra chunk that stream_options.include_usage asks for.
    streamUsage: true,
  },
  adjustRequest(body, backend) {
    // Never forward a client's model name: mlx-lm would try to load it from the hub.
    body.model = backend.model ?? MLX_LM_DEFAULT_MODEL
    // Its own default is only 512 tokens (`--max-tokens`): always send a limit.
    if (typeof body.max_tokens !== 'number') {
      const completion = body.max_completion_tokens
      body.max_tokens =
        typeof completion === 'number' ? completion : (backend.maxTokens ?? FALLBACK_MAX_TOKENS)
    }
  },
}
