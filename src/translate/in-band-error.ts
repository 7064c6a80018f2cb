/**
 * @module translate/in-band-error: a backend's error words → what Claude Code understands.
 *
 * Used for errors inside a 200 stream (an error part) and, through errors.ts, for non-2xx answers.
 * Pure: the context-overflow wordings of each local server (protocol.md §7) live here once.
 */
import type { AnthropicErrorType } from './anthropic-types.js'
import type { StreamPart } from './stream-parts.js'

// Context-overflow wordings of the local servers, for the two messages Claude Code understands:
// "prompt is too long" (user must /compact) and the "input length and `max_tokens` exceed context
// limit" 400 (Claude Code retries with a smaller max_tokens).
const OVERFLOW_PATTERNS: RegExp[] = [
  /context size has been exceeded/i, // llama.cpp 500, LM Studio MLX engine
  /exceed(s|ed)?_?( the)?( available)? context/i, // llama.cpp exceed_context_size_error, b5966
  /maximum context length/i, // vLLM, OpenAI
  /context length/i, // LM Studio "greater than the context length", Ollama "max context length"
  /prompt (is )?too long/i, // Ollama "prompt too long; exceeded max context length by N tokens"
  /too many tokens/i,
  /input length exceeds/i,
  // mlx-lm has no context check: a prompt whose KV cache cannot fit in memory fails to allocate.
  /\[metal::malloc\] attempting to allocate \d+ bytes which is greater than the maximum allowed buffer size/i,
]

/** What a context-overflow message told us; numbers only where the words carry them. */
export type ContextOverflow = { prompt?: number; limit?: number; completion?: number }

const firstNumber = (text: string, patterns: RegExp[]): number | undefined => {
  for (const p of patterns) {
    const m = p.exec(text)
    if (m) return Number(m[1])
  }
  return undefined
}

/**
 * Recognises a backend's context-overflow error; numbers when the text has them.
 * @param text the error message, or a whole error body (llama.cpp puts the numbers beside it)
 */
export function parseContextOverflow(text: string): ContextOverflow | undefined {
  if (!OVERFLOW_PATTERNS.some((p) => p.test(text))) return undefined
  const out: ContextOverflow = {}
  const limit = firstNumber(text, [
    /maximum context length is (\d+)/i, // vLLM
    /n_ctx"?\s*[:=]\s*(\d+)/, // llama.cpp {"n_prompt_tokens": 40000, "n_ctx": 32768}
    /context length of (?:only )?(\d+)/i, // LM Studio "loaded with context length of only 4096"
  ])
  const prompt = firstNumber(text, [
    /(\d+) in the messages/i, // vLLM "(8000 in the messages, 32000 in the completion)"
    /request has (\d+) input tokens/i, // newer vLLM
    /n_prompt_tokens"?\s*[:=]\s*(\d+)/, // llama.cpp
  ])
  const completion = firstNumber(text, [
    /(\d+) in the completion/i, // vLLM
    /max_completion_tokens'? is too large: (\d+)/i, // newer vLLM "'max_tokens' or ... is too large: 32000"
  ])
  if (limit !== undefined) out.limit = limit
  if (prompt !== undefined) out.prompt = prompt
  if (completion !== undefined) out.completion = completion
  return out
}

/**
 * The message Claude Code acts on for an overflow.
 * @param options.backend named in the message (the in-band path prefixes it itself)
 * @param options.maxTokens the max_tokens sent, when the backend's words do not say it
 */
export function overflowMessage(
  overflow: ContextOverflow,
  detail: string,
  options: { backend?: string; maxTokens?: number } = {},
): string {
  const { prompt, limit } = overflow
  const who = options.backend ? ` (${options.backend})` : ''
  if (prompt !== undefined && limit !== undefined) {
    // The backend's own numbers win: the max_tokens sent may have been clamped on the way.
    const completion = overflow.completion ?? options.maxTokens
    if (prompt < limit && completion !== undefined)
      return `input length and \`max_tokens\` exceed context limit: ${prompt} + ${completion} > ${limit}${who}`
    return `prompt is too long: ${prompt} tokens > ${limit} maximum${who}`
  }
  if (options.backend)
    return `prompt is too long for ${options.backend}'s context window: ${detail}`
  return `prompt is too long: ${detail}`
}

const BUSY = /overloaded|busy|loading model|model is loading|try again later/i

/** The human part of an error value: a string, `{message}`, or JSON text of either. */
function messageOf(value: unknown): string {
  if (typeof value === 'string') return value
  const m = (value as { message?: unknown } | null)?.message
  return typeof m === 'string' ? m : JSON.stringify(value)
}

/**
 * @param error the `error` value: a string, `{message, code, type}`, or JSON text of one
 * @returns an error part; the lifecycle prefixes the backend's name to its message
 */
export function classifyInBandError(error: unknown): Extract<StreamPart, { type: 'error' }> {
  let value = error
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value)
    } catch {
      // plain text
    }
  }
  const message = messageOf(value)
  // llama.cpp puts n_prompt_tokens / n_ctx beside the message: parse the whole value.
  const overflow = parseContextOverflow(typeof value === 'string' ? value : JSON.stringify(value))
  if (overflow) {
    return {
      type: 'error',
      errorType: 'invalid_request_error',
      message: overflowMessage(overflow, message),
    }
  }
  const errorType: AnthropicErrorType = BUSY.test(message) ? 'overloaded_error' : 'api_error'
  return { type: 'error', errorType, message }
}
