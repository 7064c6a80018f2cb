/**
 * @module backends/kinds/lmstudio: LM Studio's OpenAI-compatible server, quirks from LM Studio
 * 0.3.9–0.3.16 and 0.4.x bug reports (lmstudio-bug-tracker #378, #456, #649, #2220, #2339;
 * protocol.md §7.3).
 */
import type { KindProfile } from '../types.js'
import { BASE_DEFAULTS } from './base.js'

export const lmstudio: KindProfile = {
  // No default model: the loaded one is read from GET /api/v0/models (state "loaded").
  defaults: {
    ...BASE_DEFAULTS,
    // Native tool calls with streamed arguments; follow-up argument chunks repeat `name: ""`
    // (0.3.16, #649), which the tool-call buffer treats as absent.
    tools: 'native',
    // The MLX engine can leave `[TOOL_REQUEST]{...}[END_TOOL_REQUEST]` in content (#456).
    textToolFormats: ['lmstudio'],
    // Depends on the loaded model: detection sets it for `vlm` models.
    vision: false,
    speedRank: 50,
    toolRank: 90,
    // Reasoning arrives as `reasoning_content` (read together with `reasoning` by the translator).
    streamUsage: true,
    // GGUF engine: a prompt larger than the loaded context gives HTTP 200 with zero deltas (#2339).
    emptyStreamIsOverflow: true,
  },
}
