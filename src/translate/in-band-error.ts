/** @module translate/in-band-error: an error reported inside a 200 stream → an error part. */
import type { AnthropicErrorType } from './anthropic-types.js'
import type { StreamPart } from './stream-parts.js'

const CONTEXT =
  /context (size|length|window)|exceeds? the available context|too many tokens|prompt is too long/i
const BUSY = /overloaded|busy|loading model|try again later/i

/** @param error the `error` value: a string, `{message, code, type}`, or JSON text of one */
export function classifyInBandError(error: unknown): Extract<StreamPart, { type: 'error' }> {
  let value = error
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value)
    } catch {
      // plain text
    }
  }
  const message =
    typeof value === 'string'
      ? value
      : typeof (value as { message?: unknown })?.message === 'string'
        ? (value as { message: string }).message
        : JSON.stringify(value)
  let errorType: AnthropicErrorType = 'api_error'
  if (CONTEXT.test(message)) errorType = 'invalid_request_error'
  else if (BUSY.test(message)) errorType = 'overloaded_error'
  return {
    type: 'error',
    errorType,
    message: errorType === 'invalid_request_error' ? `prompt is too long: ${message}` : message,
  }
}
