/**
 * @module translate/request: a normalized Anthropic request → the Chat Completions body for one
 * backend (protocol.md §6.1).
 *
 * Built field by field in a fixed order, so nothing Claude Code adds (metadata, cache_control,
 * context_management, output_config, betas, newer fields) reaches the backend, and the same input
 * always gives the same bytes: no timestamps, no random ids.
 */
import type { Backend } from '../backends/types.js'
import type { MessagesRequest } from '../schemas/anthropic.js'
import { toOpenAIMessages } from './messages.js'
import type { Translated } from './openai-request-types.js'
import { cleanSchema } from './schema-clean.js'
import { toOpenAITools } from './tools.js'

export type RequestOptions = {
  /** The upstream model id, resolved by the caller (never a `claude-*` name). */
  model: string
  stream: boolean
  /** A further cap on max_tokens, e.g. what still fits in the backend's context window. */
  maxTokens?: number
}

type Body = Record<string, unknown>

function maxTokens(
  req: MessagesRequest,
  backend: Backend,
  opts: RequestOptions,
  warnings: string[],
) {
  const caps = [req.max_tokens, opts.maxTokens, backend.maxTokens].filter(
    (n): n is number => typeof n === 'number',
  )
  const n = Math.min(...caps)
  // max_tokens 0 is Anthropic's cache pre-warm; local servers reject or ignore 0.
  if (n < 1) warnings.push('max_tokens 0 sent as 1')
  return Math.max(1, n)
}

/** Thinking on/off as this server's chat template understands it. */
function thinking(req: MessagesRequest, backend: Backend, body: Body, warnings: string[]): void {
  const type = req.thinking?.type
  if (type === undefined) return
  if (type !== 'enabled' && type !== 'adaptive' && type !== 'disabled') {
    warnings.push(`thinking type ${type} not understood; left to the backend`)
    return
  }
  const on = type !== 'disabled'
  switch (backend.thinking) {
    case 'chat_template_kwargs':
      // Qwen3-style templates on mlx-lm, llama.cpp and vLLM.
      body.chat_template_kwargs = { enable_thinking: on }
      return
    case 'reasoning_effort':
      // llama.cpp and Ollama read reasoning_effort; 'none' turns thinking off.
      body.reasoning_effort = on ? 'medium' : 'none'
      return
    case 'none':
      return
    default: {
      const _exhaustive: never = backend.thinking
      warnings.push(`unknown thinking toggle ${String(_exhaustive)}`)
    }
  }
}

function structuredOutput(req: MessagesRequest, backend: Backend, body: Body, warnings: string[]) {
  const format = req.output_config?.format
  if (!format) return
  if (format.type !== 'json_schema' || format.schema === undefined) {
    warnings.push(`output_config.format ${format.type} not supported; ignored`)
    return
  }
  if (!backend.structuredOutput) {
    warnings.push(`backend ${backend.name} has no structured output; output_config.format ignored`)
    return
  }
  body.response_format = {
    type: 'json_schema',
    json_schema: { name: 'output', schema: cleanSchema(format.schema) },
  }
}

/**
 * Composes messages, tools and the sampling fields. Run {@link normalizeRequest} first.
 *
 * @example toOpenAIRequest(normalized, backend, { model: 'qwen3-coder', stream: true }).value
 */
export function toOpenAIRequest(
  req: MessagesRequest,
  backend: Backend,
  opts: RequestOptions,
): Translated<Body> {
  const messages = toOpenAIMessages(req, backend)
  const tools = toOpenAITools(req, backend)
  const warnings = [...messages.warnings, ...tools.warnings]
  const body: Body = { model: opts.model, messages: messages.value, ...tools.value }

  const max = maxTokens(req, backend, opts, warnings)
  // Every local server reads max_tokens; OpenAI and newer vLLM prefer max_completion_tokens.
  if (backend.maxTokensField !== 'max_completion_tokens') body.max_tokens = max
  if (backend.maxTokensField !== 'max_tokens') body.max_completion_tokens = max

  const temperature = req.temperature ?? backend.sampling.temperature
  const topP = req.top_p ?? backend.sampling.top_p
  const topK = req.top_k ?? backend.sampling.top_k
  if (temperature !== undefined) body.temperature = temperature
  if (topP !== undefined) body.top_p = topP
  if (topK !== undefined) body.top_k = topK
  if (req.stop_sequences && req.stop_sequences.length > 0) body.stop = req.stop_sequences

  body.stream = opts.stream
  // Usage arrives only on request; Claude Code's auto-compact depends on it.
  if (opts.stream) body.stream_options = { include_usage: true }
  thinking(req, backend, body, warnings)
  structuredOutput(req, backend, body, warnings)
  return { value: body, warnings }
}
