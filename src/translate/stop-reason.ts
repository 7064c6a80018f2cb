/** @module translate/stop-reason: OpenAI finish_reason → Anthropic stop_reason (protocol.md §6.2). */
import type { StopReason } from './anthropic-types.js'

/**
 * @param finishReason the backend's value (unknown values are treated as `stop`)
 * @param toolCalls how many tool calls were actually emitted
 */
export function mapFinishReason(
  finishReason: string | null | undefined,
  toolCalls: number,
): StopReason {
  switch (finishReason) {
    case 'length':
      return 'max_tokens'
    case 'tool_calls':
    case 'tool_call': // mlx-lm Jun 2025 - Jan 2026
    case 'function_call':
      // mlx-lm drops calls it cannot parse but still says tool_calls: then it is an end_turn.
      return toolCalls > 0 ? 'tool_use' : 'end_turn'
    case 'content_filter':
      // Local servers never mean a policy refusal; `refusal` would make Claude Code print one.
      return 'end_turn'
    default:
      // vLLM (and OpenAI for gpt-4o) say `stop` after a tool call: the call decides.
      return toolCalls > 0 ? 'tool_use' : 'end_turn'
  }
}
