/**
 * @module backends/kinds/llamacpp: llama.cpp's `llama-server`, quirks from its
 * `tools/server/README.md` and `docs/function-calling.md` (2026 snapshot, builds b5966–b9294;
 * protocol.md §7.4).
 */
import type { KindProfile } from '../types.js'
import { BASE_DEFAULTS } from './base.js'

export const llamacpp: KindProfile = {
  // One model per server (the model field is ignored outside router mode): the detected id is used.
  defaults: {
    ...BASE_DEFAULTS,
    // Jinja templates (default on in current builds) parse calls; arguments stream in fragments.
    tools: 'native',
    // Partial markup can leak into content before the parser switches to tool_calls: a text
    // rescue would duplicate the call, so none.
    textToolFormats: [],
    // Some templates pre-fill `<think>` and leave only `</think>` in content (b9294).
    thinkTags: true,
    // Set from /props `modalities.vision` when an mmproj is loaded.
    vision: false,
    thinking: 'chat_template_kwargs',
    // Parallel calls are off unless the request says parallel_tool_calls: true (adjustRequest).
    parallelToolCalls: true,
    speedRank: 80,
    toolRank: 70,
  },
  adjustRequest(body) {
    // Off by default on the server: ask for parallel calls whenever tools are offered.
    if (Array.isArray(body.tools) && body.tools.length > 0 && body.parallel_tool_calls !== false)
      body.parallel_tool_calls = true
    // Default on in current builds, off in older ones: the prefix cache is what makes Claude Code usable.
    body.cache_prompt = true
    // enable_thinking only works for templates that read it; reasoning_effort "none" is the
    // server's own switch and works for every reasoning template.
    const kwargs = body.chat_template_kwargs as Record<string, unknown> | undefined
    if (kwargs?.enable_thinking === false && body.reasoning_effort === undefined)
      body.reasoning_effort = 'none'
  },
}
