/** @module translate/openai-response: a non-streaming chat completion → {@link StreamPart}s. */
import { classifyInBandError } from './in-band-error.js'
import type { StreamPart } from './stream-parts.js'
import { ToolCallBuffer, type ToolCallDelta } from './tool-call-buffer.js'
import { readOpenAIUsage } from './usage.js'

export function* openAIResponseToParts(json: Record<string, unknown>): Generator<StreamPart> {
  if (json.error) {
    yield classifyInBandError(json.error)
    return
  }
  const usage = readOpenAIUsage(json)
  if (usage) yield { type: 'usage', usage }
  const choice = (Array.isArray(json.choices) ? json.choices[0] : undefined) as
    | Record<string, unknown>
    | undefined
  const message = (choice?.message ?? {}) as Record<string, unknown>
  const reasoning = message.reasoning_content || message.reasoning
  if (typeof reasoning === 'string' && reasoning !== '')
    yield { type: 'reasoning-delta', text: reasoning }
  if (typeof message.content === 'string' && message.content !== '')
    yield { type: 'text-delta', text: message.content }
  const finishReason = typeof choice?.finish_reason === 'string' ? choice.finish_reason : null
  const tools = new ToolCallBuffer()
  const calls = Array.isArray(message.tool_calls) ? (message.tool_calls as ToolCallDelta[]) : []
  for (const [i, tc] of calls.entries()) tools.add({ ...tc, index: i })
  yield* tools.drain(finishReason === 'length')
  yield { type: 'finish', finishReason }
}
