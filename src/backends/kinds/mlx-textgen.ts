/**
 * @module backends/kinds/mlx-textgen: MLX-Textgen (nath1295/MLX-Textgen), quirks read from the
 * v0.1.10 repo snapshot (Dec 2024) and its 0.2.x `engine.py`/`server.py`; 0.2.x tool behaviour is
 * unverified (protocol.md §7.2).
 */
import type { KindProfile } from '../types.js'
import { BASE_DEFAULTS } from './base.js'

/** MLX-Textgen's request model declares `max_tokens: Field(ge=1, le=32000)`: outside → 422. */
const MAX_TOKENS_LIMIT = 32_000

export const mlxTextgen: KindProfile = {
  defaults: {
    ...BASE_DEFAULTS,
    // Guided decoding (Outlines) picks the tool name and constrains the arguments to the schema,
    // for any model, so tool calls are always parsed: the best server for tool turns.
    tools: 'native',
    textToolFormats: [],
    // 0.1.x is text only; 0.2.x adds mlx-vlm (unverified): images become placeholders.
    vision: false,
    // `response_format.json_schema.schema` is converted to its `guided_json`.
    structuredOutput: true,
    maxTokens: MAX_TOKENS_LIMIT,
    // tool_choice auto/none/required/named are honoured.
    toolChoice: true,
    // Generation stops at the tool-start marker and guided decoding writes one call: one per answer.
    parallelToolCalls: false,
    maxToolCallsPerAnswer: 1,
    // With tool-less templates its history conversion expects `tool_call` (singular) and loses
    // earlier calls: render them as `<tool_call>` / `<tool_response>` text instead.
    historyToolCallsAsText: true,
    // Keeps many KV caches on disk, so alternating prompts stay warm, but prefill is slower than mlx-lm.
    speedRank: 60,
    toolRank: 100,
    // Streamed chunks never carry usage (non-stream answers do).
    streamUsage: false,
  },
  adjustRequest(body) {
    // Claude Code sends up to 64000 (and 0 for cache pre-warm): keep inside 1..32000.
    const max = body.max_tokens
    if (typeof max === 'number') body.max_tokens = Math.min(Math.max(max, 1), MAX_TOKENS_LIMIT)
  },
}
