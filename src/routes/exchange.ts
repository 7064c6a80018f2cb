/**
 * @module routes/exchange: the response lifecycle of one /v1/messages request (design.md's
 * commit point). Tries the router's candidates in order, fails over silently until the first
 * content block, keeps the connection alive with pings, enforces the first-token and idle
 * timeouts, and writes the translated events to a sink (SSE or the non-streaming folder).
 */
import type { BackendRegistry } from '../backends/registry.js'
import type { Candidate } from '../backends/router.js'
import type { Config } from '../config.js'
import {
  apiError,
  type ProxyError,
  ProxyError as ProxyErrorClass,
  statusOf,
  unreachable,
  withoutSecret,
} from '../errors.js'
import type { Metrics } from '../metrics.js'
import type { RequestStats } from '../middleware/logger.js'
import type { Reframer } from '../middleware/sse-reframe.js'
import type { UpstreamPlan } from '../middleware/tool-mapping.js'
import type { MessagesRequest } from '../schemas/anthropic.js'
import type { StreamEvent } from '../translate/anthropic-types.js'
import { encodeJson } from '../translate/encode-json.js'
import { type ImageSize, withoutImageData } from '../translate/image-size.js'
import { applyTransforms } from '../translate/part-transform.js'
import { isContentPart } from '../translate/stream-parts.js'
import type { Log, TraceRecord } from '../types.js'
import type { UsageCalibrator } from '../usage-calibration.js'
import { attempt, partsOf } from './upstream.js'

export interface Sink {
  /** The status is sent: `message_start` goes out now (idempotent). */
  commit(): void
  readonly committed: boolean
  write(events: StreamEvent[]): void
  ping(): void
}

export type ExchangeInput = {
  request: MessagesRequest
  plan: UpstreamPlan
  reframe: Reframer
  candidates: Candidate[]
  registry: BackendRegistry
  config: Config
  fetch: typeof fetch
  log: Log
  calibrator: UsageCalibrator
  clientSignal: AbortSignal
  generateId: (prefix: string) => string
  stats: RequestStats
  requestId: string
  now: () => number
  metrics?: Metrics
  trace?: (record: TraceRecord) => void
  shutdownSignal?: AbortSignal
  /** Size of the client's request body in bytes, images counted at a fixed size. */
  promptBytes: number
  /** Base64 image data in the request (sent upstream only to vision backends). */
  images?: ImageSize
  /** See AppDeps.allocBytes. */
  allocBytes?: (size: number) => Uint8Array<ArrayBuffer>
}

export type ExchangeResult = { ok: true } | { ok: false; error: ProxyError }

/** Why the watchdog aborted an attempt. */
class Timeout extends Error {
  override name = 'Timeout'
}

class Shutdown extends Error {
  override name = 'Shutdown'
}

/** An exception while translating an answer (a bug here, not a backend fault). */
class InternalFault extends Error {
  override name = 'InternalFault'
  constructor(cause: unknown) {
    super('internal fault', { cause })
  }
}

const TOOL_CALLS = new TextEncoder().encode('"tool_calls":[{')

/** Where the search starts: `_` is rare in a chunk (a quote is in every key). */
const ANCHOR = TOOL_CALLS.indexOf(0x5f)

/** True when these bytes hold a non-empty OpenAI `tool_calls` delta. */
function hasToolCallDelta(bytes: Uint8Array): boolean {
  for (let i = bytes.indexOf(0x5f, ANCHOR); i >= 0; i = bytes.indexOf(0x5f, i + 1)) {
    const start = i - ANCHOR
    let k = 0
    while (k < TOOL_CALLS.length && bytes[start + k] === TOOL_CALLS[k]) k++
    if (k === TOOL_CALLS.length) return true
  }
  return false
}

/** Usage scaled so Claude Code (which assumes a 200k window) compacts before a small window fills. */
const CLAUDE_CODE_WINDOW = 200_000

export async function runExchange(input: ExchangeInput, sink: Sink): Promise<ExchangeResult> {
  const result = await runCandidates(input, sink)
  // The log line tells a client cancel and a failure apart, also after the 200 went out.
  if (input.clientSignal.aborted) input.stats.cancelled = true
  else if (!result.ok) input.stats.error = result.error.message
  return result
}

async function runCandidates(input: ExchangeInput, sink: Sink): Promise<ExchangeResult> {
  const { registry, stats, log } = input
  const failures: string[] = []
  let lastError: ProxyError | undefined
  // Unreachable (503, do not retry) only when every candidate was unreachable; a busy or failing
  // one makes the whole answer retryable.
  let allUnreachable = true
  let mostRetryable: ProxyError | undefined
  stats.tried = []
  const startedAt = input.now()

  for (const [i, candidate] of input.candidates.entries()) {
    if (input.clientSignal.aborted) return { ok: true }
    const backend = registry.effective(candidate.backend, candidate.url)
    stats.tried.push(backend.name)
    const outcome = await tryCandidate(input, sink, candidate, backend, startedAt)
    if (outcome.kind === 'done') {
      registry.markSuccess(candidate.backend.name, candidate.url)
      input.metrics?.backendUp(candidate.backend.name, candidate.url, true)
      return { ok: true }
    }
    if (outcome.kind === 'aborted') return { ok: true }
    lastError = outcome.error
    if (outcome.error.status !== 503) allUnreachable = false
    if (
      outcome.error.errorType === 'overloaded_error' ||
      (outcome.error.status >= 500 && outcome.error.status !== 503 && !mostRetryable)
    )
      mostRetryable = outcome.error
    failures.push(`${backend.name} (${candidate.url}): ${outcome.reason}`)
    if (outcome.kind === 'fatal') {
      // After the first content block the backend is fixed: the error is final.
      return { ok: false, error: outcome.error }
    }
    if (outcome.markDown) {
      registry.markFailure(candidate.backend.name, candidate.url, outcome.reason)
      input.metrics?.backendUp(candidate.backend.name, candidate.url, false)
    }
    if (!outcome.failover) return { ok: false, error: outcome.error }
    const last = i === input.candidates.length - 1
    // A failover is a candidate abandoned for another one, not the last one failing.
    if (!last) input.metrics?.failover(backend.name, outcome.reason)
    log.warn(
      { id: input.requestId, backend: backend.name, reason: outcome.reason },
      last ? 'backend failed' : 'backend failed, trying the next',
    )
  }
  if (failures.length === 0) return { ok: false, error: unreachable('no backend is configured') }
  // Every candidate failed: name each and why.
  const message = `no backend could answer: ${failures.join('; ')}`
  if (allUnreachable) return { ok: false, error: unreachable(message) }
  const last = mostRetryable ?? lastError!
  return {
    ok: false,
    error:
      input.candidates.length > 1
        ? new ProxyErrorClass(last.status, last.errorType, message)
        : last,
  }
}

type Outcome =
  | { kind: 'done' }
  | { kind: 'aborted' }
  | { kind: 'failed'; error: ProxyError; reason: string; failover: boolean; markDown: boolean }
  | { kind: 'fatal'; error: ProxyError; reason: string }

async function tryCandidate(
  input: ExchangeInput,
  sink: Sink,
  candidate: Candidate,
  backend: ReturnType<BackendRegistry['effective']>,
  exchangeStartedAt: number,
): Promise<Outcome> {
  const { config, plan, registry, stats, now } = input
  let { body, maxTokens } = serialize(input, backend, candidate.url) as {
    body?: Uint8Array<ArrayBuffer>
    maxTokens?: number
  }
  // Image data goes upstream only to vision backends, and costs tokens by image, not by size.
  const promptChars =
    backend.vision && input.images
      ? withoutImageData(body!.byteLength, input.images)
      : body!.byteLength
  const estimateInputTokens = input.calibrator.estimate(backend.name, promptChars)
  if (backend.contextWindow && estimateInputTokens > backend.contextWindow) {
    const error = new ProxyErrorClass(
      400,
      'invalid_request_error',
      `prompt is too long: ${estimateInputTokens} tokens > ${backend.contextWindow} maximum (${backend.name}, estimated)`,
    )
    return {
      kind: 'failed',
      error,
      reason: 'prompt longer than the context window',
      failover: false,
      markDown: false,
    }
  }

  if (input.shutdownSignal?.aborted) {
    const error = new ProxyErrorClass(529, 'overloaded_error', 'anyclaude is shutting down')
    return { kind: 'failed', error, reason: error.message, failover: false, markDown: false }
  }
  const controller = new AbortController()
  let drained = false
  const onClientAbort = () => controller.abort(input.clientSignal.reason)
  input.clientSignal.addEventListener('abort', onClientAbort, { once: true })
  const onShutdown = () => controller.abort(new Shutdown('anyclaude is shutting down'))
  input.shutdownSignal?.addEventListener('abort', onShutdown, { once: true })
  const started = now()
  let lastActivity = started
  let firstContentAt: number | undefined
  // The watchdog counts upstream bytes, not content blocks: a long native tool call streams for
  // minutes without producing a block until it is complete.
  let firstDataAt: number | undefined
  const onData = (bytes: Uint8Array) => {
    lastActivity = now()
    // A native tool call's first fragment is the first token too (it makes no part until whole).
    if (firstDataAt === undefined && hasToolCallDelta(bytes)) firstDataAt = lastActivity
  }
  let lastProgressLog = started
  const firstMs = config.firstTokenTimeoutMs
  const idleMs = config.idleTimeoutMs
  const tickMs = Math.max(
    5,
    Math.min(config.pingIntervalMs, config.progressLogMs, firstMs / 4, idleMs / 4, 1000),
  )
  let lastWrite = now()
  const write = (events: StreamEvent[]) => {
    if (events.length === 0) return
    sink.write(events)
    lastWrite = now()
  }
  // One timer per request: pings while the backend is quiet, the watchdog, prefill progress.
  const ticker = setInterval(() => {
    const t = now()
    if (sink.committed && t - lastWrite >= config.pingIntervalMs) {
      sink.ping()
      lastWrite = t
    }
    if (firstDataAt === undefined) {
      if (t - started > firstMs)
        controller.abort(
          new Timeout(`no first token from ${backend.name} within ${seconds(firstMs)}`),
        )
      else if (t - lastProgressLog >= config.progressLogMs) {
        lastProgressLog = t
        // Warn level, so it shows at the default --debug 0: a long prefill must not look hung.
        input.log.warn(
          {
            id: input.requestId,
            backend: backend.name,
            elapsedS: Math.round((t - started) / 1000),
          },
          'still processing the prompt',
        )
      }
    } else if (t - lastActivity > idleMs) {
      controller.abort(new Timeout(`${backend.name} stalled: no data for ${seconds(idleMs)}`))
    }
  }, tickMs)

  registry.acquire(candidate.backend.name, candidate.url)
  const cleanup = () => {
    clearInterval(ticker)
    input.clientSignal.removeEventListener('abort', onClientAbort)
    input.shutdownSignal?.removeEventListener('abort', onShutdown)
    registry.release(candidate.backend.name, candidate.url)
  }
  try {
    const r = await attempt({
      fetch: input.fetch,
      candidate,
      backend,
      body: body!,
      maxTokens,
      signal: controller.signal,
    })
    if (!r.ok) {
      return {
        kind: 'failed',
        error: r.error,
        reason: r.reason,
        failover: r.failover,
        markDown: r.failover,
      }
    }
    stats.ttfbMs = now() - started
    sink.commit()
    stats.backend = backend.name

    const builder = input.reframe.builder({
      generateToolId: () => input.generateId('toolu_'),
      toolInput: plan.toolInput,
      estimateInputTokens,
      onWarning: (m) => addWarnings(stats, [m]),
    })
    const transforms = plan.transforms(backend)
    // Events held until the first content block: an error before it may still fail over.
    body = undefined // sent: do not keep 100+ KB alive for the whole stream
    for await (const parts of partsOf(r.res, backend, onData, () => controller.abort())) {
      for (const part of parts) {
        try {
          if (firstDataAt === undefined && isContentPart(part)) firstDataAt = now()
          for (const p of transforms.length ? applyTransforms(transforms, part) : [part]) {
            if (p.type === 'usage' && p.usage.promptTokens)
              input.calibrator.observe(backend.name, promptChars, p.usage.promptTokens)
            if (p.type === 'error') {
              // Not pushed to the builder: the caller writes the one `error` event (streaming) or
              // answers with the status (non-streaming), and the message names the backend.
              const reason = withoutSecret(p.message, backend.apiKey)
              const error = new ProxyErrorClass(
                statusOf(p.errorType),
                p.errorType,
                `${backend.name}: ${reason}`,
              )
              if (builder.hasContent) return { kind: 'fatal', error, reason }
              const failover = p.errorType === 'api_error' || p.errorType === 'overloaded_error'
              return { kind: 'failed', error, reason, failover, markDown: failover }
            }
            const events = builder.push(p)
            if (firstContentAt === undefined && builder.hasContent) {
              firstContentAt = now()
              input.metrics?.firstToken?.(backend.name, firstContentAt - exchangeStartedAt)
            }
            if (events.length) write(scale(events, backend.contextWindow, config))
          }
        } catch (err) {
          throw new InternalFault(err)
        }
      }
    }
    drained = true
    if (!builder.hasContent && builder.toolCalls === 0) {
      // LM Studio answers a prompt larger than its context with an empty 200 stream.
      const error = backend.emptyStreamIsOverflow
        ? new ProxyErrorClass(
            400,
            'invalid_request_error',
            `prompt is too long: ${backend.name} returned an empty answer, which it does when the prompt exceeds the loaded context length`,
          )
        : undefined
      if (error)
        return { kind: 'failed', error, reason: 'empty answer', failover: false, markDown: false }
    }
    const tail = builder.end()
    recordUsage(stats, tail)
    write(scale(tail, backend.contextWindow, config))
    return { kind: 'done' }
  } catch (err) {
    if (input.clientSignal.aborted) return { kind: 'aborted' }
    if (err instanceof InternalFault) {
      // A fault in anyclaude itself: not the backend's, so it is neither marked down nor
      // replaced by the next one (which would fail the same way after its own prefill).
      input.log.error({ id: input.requestId, err: String(err.cause) }, 'internal error')
      const error = apiError('internal error in anyclaude')
      if (firstContentAt !== undefined) return { kind: 'fatal', error, reason: error.message }
      return { kind: 'failed', error, reason: error.message, failover: false, markDown: false }
    }
    if (controller.signal.reason instanceof Shutdown) {
      const error = new ProxyErrorClass(529, 'overloaded_error', 'anyclaude is shutting down')
      if (firstContentAt !== undefined) return { kind: 'fatal', error, reason: error.message }
      return { kind: 'failed', error, reason: error.message, failover: false, markDown: false }
    }
    const reason =
      controller.signal.reason instanceof Timeout
        ? controller.signal.reason.message
        : `connection to ${backend.name} lost: ${(err as Error)?.message ?? err}`
    const error = apiError(reason)
    // The caller writes the one error event (writing it here as well sent two).
    if (firstContentAt !== undefined) return { kind: 'fatal', error, reason }
    return { kind: 'failed', error, reason, failover: true, markDown: true }
  } finally {
    // A body read to its end needs no abort (undici's cancel path costs ~40 µs per request).
    if (!drained && !controller.signal.aborted) controller.abort()
    cleanup()
  }
}

/**
 * The upstream body as bytes. A function of its own so the body object (a second tree the size of
 * the prompt) is garbage once serialised, not kept alive for the whole stream.
 */
function serialize(
  input: ExchangeInput,
  backend: ReturnType<BackendRegistry['effective']>,
  url: string,
): { body: Uint8Array<ArrayBuffer>; maxTokens?: number } {
  const built = input.plan.build(backend, {
    model: backend.model ?? input.request.model,
    stream: true,
    maxTokens: fitMaxTokens(input, backend),
  })
  if (built.warnings.length) addWarnings(input.stats, built.warnings)
  input.trace?.({
    requestId: input.requestId,
    kind: 'upstream-request',
    data: { backend: backend.name, url, body: built.value },
  })
  return {
    // Bytes, not one big string: a Claude Code prompt is a two-byte string (150 KB for 75 KB of
    // UTF-8) that would stay on the heap while the backend pre-fills, for every queued request,
    // and would be allocated where only a full collection frees it (see encode-json.ts).
    body: encodeJson(built.value, input.allocBytes),
    maxTokens: (built.value.max_tokens ?? built.value.max_completion_tokens) as number | undefined,
  }
}

const addWarnings = (stats: RequestStats, warnings: string[]): void => {
  stats.warnings = [...(stats.warnings ?? []), ...warnings]
}

/** `150` → `0.15 s`, `600000` → `600 s` (a sub-second timeout must not read "0 s"). */
const seconds = (ms: number): string => `${Number((ms / 1000).toFixed(2))} s`

/** max_tokens clamped to what fits the backend's window (prompt estimate + margin). */
function fitMaxTokens(
  input: ExchangeInput,
  backend: ReturnType<BackendRegistry['effective']>,
): number | undefined {
  const caps: number[] = []
  if (backend.maxTokens) caps.push(backend.maxTokens)
  if (backend.contextWindow) {
    // The client's body size stands for the prompt: re-serialising 80 KB per request to measure
    // it cost more than the rest of the request path.
    const prompt = input.calibrator.estimate(backend.name, input.promptBytes)
    caps.push(Math.max(1, backend.contextWindow - prompt - input.config.contextMargin))
  }
  return caps.length ? Math.min(...caps) : undefined
}

function recordUsage(stats: RequestStats, tail: StreamEvent[]): void {
  for (const ev of tail)
    if (ev.type === 'message_delta') {
      stats.inputTokens = ev.usage.input_tokens
      stats.outputTokens = ev.usage.output_tokens
      stats.cachedTokens = ev.usage.cache_read_input_tokens
      stats.stopReason = ev.delta.stop_reason ?? undefined
    }
}

/**
 * With `scaleUsage`, prompt usage is reported as if the backend's window were Claude Code's 200k,
 * so its auto-compact fires when the real window is nearly full (documented in the README).
 */
function scale(events: StreamEvent[], window: number | undefined, config: Config): StreamEvent[] {
  const on =
    config.scaleUsage === true ||
    (config.scaleUsage === 'auto' && window !== undefined && window < CLAUDE_CODE_WINDOW)
  if (!on || !window) return events
  const f = CLAUDE_CODE_WINDOW / window
  return events.map((ev) =>
    ev.type === 'message_delta'
      ? {
          ...ev,
          usage: {
            ...ev.usage,
            input_tokens: Math.round(ev.usage.input_tokens * f),
            cache_read_input_tokens: Math.round(ev.usage.cache_read_input_tokens * f),
          },
        }
      : ev,
  )
}
