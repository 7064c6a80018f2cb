/**
 * @module errors: the one error vocabulary (design.md's error table) and its Anthropic envelope.
 * Every error that reaches a client goes through {@link ProxyError} and {@link errorBody}.
 */
import { HTTPException } from 'hono/http-exception'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import type { AnthropicErrorType } from './translate/anthropic-types.js'
import {
  type ContextOverflow,
  overflowMessage,
  parseContextOverflow,
} from './translate/in-band-error.js'

export type ProxyErrorOptions = {
  /** `x-should-retry` header: false stops Claude Code's retries for non-transient faults. */
  shouldRetry?: boolean
  cause?: unknown
}

/** An error with its Anthropic type and HTTP status; `app.onError` formats it. */
export class ProxyError extends HTTPException {
  override name = 'ProxyError'
  readonly errorType: AnthropicErrorType
  readonly shouldRetry?: boolean

  constructor(
    status: number,
    errorType: AnthropicErrorType,
    message: string,
    options: ProxyErrorOptions = {},
  ) {
    // 529 (overloaded) is Anthropic's own status and missing from Hono's list of codes.
    super(status as ContentfulStatusCode, { message, cause: options.cause })
    this.errorType = errorType
    this.shouldRetry = options.shouldRetry
  }
}

/** The HTTP status of an error type met after the fact (an in-band error, a folded stream). */
export const statusOf = (type: AnthropicErrorType): number =>
  type === 'invalid_request_error'
    ? 400
    : type === 'overloaded_error'
      ? 529
      : type === 'not_found_error'
        ? 404
        : type === 'authentication_error'
          ? 401
          : type === 'permission_error'
            ? 403
            : type === 'rate_limit_error'
              ? 429
              : type === 'timeout_error'
                ? 504
                : 500

export const invalidRequest = (message: string) =>
  new ProxyError(400, 'invalid_request_error', message)
export const notFound = (message: string) => new ProxyError(404, 'not_found_error', message)
export const overloaded = (message: string) => new ProxyError(529, 'overloaded_error', message)
export const apiError = (message: string, options?: ProxyErrorOptions) =>
  new ProxyError(500, 'api_error', message, options)
/** No backend reachable: retrying at once will not help, so Claude Code is told not to. */
export const unreachable = (message: string) =>
  new ProxyError(503, 'api_error', message, { shouldRetry: false })

export type ErrorBody = {
  type: 'error'
  error: { type: AnthropicErrorType; message: string }
  request_id?: string
}

export const errorBody = (
  errorType: AnthropicErrorType,
  message: string,
  requestId?: string,
): ErrorBody => ({
  type: 'error',
  error: { type: errorType, message },
  ...(requestId ? { request_id: requestId } : {}),
})

/** Maps any thrown value to a ProxyError (unknown errors become a generic 500, no stack). */
export function toProxyError(err: unknown): ProxyError {
  if (err instanceof ProxyError) return err
  if (err instanceof HTTPException) {
    const status = err.status
    const message = err.message || 'request failed'
    if (status === 413) return new ProxyError(413, 'request_too_large', message)
    if (status === 401) return new ProxyError(401, 'authentication_error', message)
    if (status === 404) return notFound(message)
    if (status >= 400 && status < 500) return invalidRequest(message)
    return apiError(message)
  }
  return apiError('internal error in anyclaude')
}

export { type ContextOverflow, parseContextOverflow } from './translate/in-band-error.js'

/**
 * The error for a backend's non-2xx answer, per design.md's table.
 * @param maxTokens the max_tokens sent, to phrase the retryable context message when the
 *   backend's words do not carry it
 */
export function fromUpstreamStatus(
  backend: string,
  status: number,
  bodyText: string,
  maxTokens?: number,
): ProxyError {
  const detail = upstreamMessage(bodyText) || 'no details (empty body)'
  // The whole body, not just its message: llama.cpp puts n_prompt_tokens / n_ctx beside it.
  const overflow =
    status < 500 || /context/i.test(detail)
      ? parseContextOverflow(`${detail}\n${bodyText}`)
      : undefined
  if (overflow) return contextError(backend, overflow, detail, maxTokens)
  if (status === 429 || status === 503 || /loading model|model is loading|busy/i.test(detail))
    return overloaded(`${backend} is busy (HTTP ${status}): ${detail}`)
  if (status >= 400 && status < 500)
    return invalidRequest(`${backend} rejected the request (HTTP ${status}): ${detail}`)
  return apiError(`${backend} failed (HTTP ${status}): ${detail}`)
}

export function contextError(
  backend: string,
  overflow: ContextOverflow,
  detail: string,
  maxTokens?: number,
): ProxyError {
  return invalidRequest(overflowMessage(overflow, detail, { backend, maxTokens }))
}

/**
 * `text` without `secret`: some servers echo the key they rejected ("Incorrect API key provided:
 * sk-..."), and a backend's words go into error messages and log lines.
 */
export const withoutSecret = (text: string, secret: string | undefined): string =>
  secret && secret.length >= 4 ? text.replaceAll(secret, '[redacted]') : text

/** The human part of a backend error body: OpenAI `{error:{message}}`, `{error:"..."}`, text. */
export function upstreamMessage(bodyText: string): string {
  const text = bodyText.trim()
  if (!text) return ''
  try {
    const json = JSON.parse(text) as Record<string, unknown>
    const e = json.error ?? json.detail ?? json.message
    if (typeof e === 'string') return e
    if (e && typeof e === 'object') {
      const m = (e as Record<string, unknown>).message
      if (typeof m === 'string') return m
      return JSON.stringify(e).slice(0, 500)
    }
  } catch {
    // not JSON: plain-text body
  }
  return text.slice(0, 500)
}

/** Why a connection attempt failed, in words (refused, reset, DNS, timeout). */
export function describeConnectError(err: unknown): string {
  const e = err as {
    name?: string
    code?: string
    message?: string
    cause?: { code?: string; message?: string }
  }
  // fetch wraps the socket error as `cause`; undici.request throws it with its own `code`.
  const code = e?.cause?.code ?? e?.code
  if (code === 'ECONNREFUSED') return 'connection refused'
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return 'connection reset'
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'host not found'
  if (
    code === 'UND_ERR_HEADERS_TIMEOUT' ||
    code === 'UND_ERR_CONNECT_TIMEOUT' ||
    e?.name === 'TimeoutError'
  )
    return 'timed out'
  return e?.cause?.message || e?.message || 'connection failed'
}
