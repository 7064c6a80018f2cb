/** @module types: the app's context variables and injected dependencies. */
import type { MiddlewareHandler } from 'hono'
import type { BackendRegistry } from './backends/registry.js'
import type { Config } from './config.js'
import type { Metrics } from './metrics.js'
import type { LoggerVariables } from './middleware/logger.js'
import type { NormalizeVariables } from './middleware/normalize.js'
import type { RequestIdVariables } from './middleware/request-id.js'
import type { SseReframeVariables } from './middleware/sse-reframe.js'
import type { ToolMappingVariables } from './middleware/tool-mapping.js'
import type { ValidateVariables } from './middleware/validate.js'

/** A pino-compatible logger (pino's Logger satisfies it); tests inject a collecting one. */
export type Log = {
  info(obj: object, msg?: string): void
  warn(obj: object, msg?: string): void
  error(obj: object, msg?: string): void
  debug(obj: object, msg?: string): void
}

/** One exchange, for `--debug 3` trace files (written by the Node side). */
export type TraceRecord = { requestId: string; kind: string; data: unknown }

export type AppDeps = {
  /** Upstream fetch: an undici Agent with long timeouts in production, a fake in tests. */
  fetch: typeof fetch
  log: Log
  /** Backend states, detection, circuit breaker; built from the config when not given. */
  registry?: BackendRegistry
  metrics?: Metrics
  /** Receives trace records when debug >= 3. */
  trace?: (record: TraceRecord) => void
  /** Extra middlewares, run after the built-in request middlewares, before the routes. */
  middleware?: MiddlewareHandler<AppEnv>[]
  /** Ids (message, tool) for stable snapshots in tests. */
  generateId?: (prefix: string) => string
  now?: () => number
  /** Aborted when the server shuts down: running streams end with an error event. */
  shutdownSignal?: AbortSignal
  /**
   * Runs a callback after the current turn of the event loop (batches SSE writes). Default
   * `setTimeout(fn, 0)`; the Node server passes `setImmediate`, which does not wait a millisecond.
   */
  defer?: (fn: () => void) => void
  /**
   * Memory for the upstream body, filled entirely right away. Default `new Uint8Array` (zeroed);
   * the Node server passes `Buffer.allocUnsafe`, which skips zeroing it: 33 µs per 75 KB
   * request, 190 µs for a 450 KB one (fresh pages).
   */
  allocBytes?: (size: number) => Uint8Array<ArrayBuffer>
  /**
   * Native byte helpers for the request body (validate, reuse): a view with a fast `indexOf`, and
   * equality. Default: Uint8Array's own and a loop; the Node server passes Buffer's (memchr,
   * memcmp): ~35 µs less per 75 KB request.
   */
  bytes?: {
    view: (bytes: Uint8Array) => Uint8Array
    equal: (a: Uint8Array, b: Uint8Array) => boolean
  }
}

export type AppVariables = RequestIdVariables &
  LoggerVariables &
  ValidateVariables &
  NormalizeVariables &
  ToolMappingVariables &
  SseReframeVariables & {
    config: Config
    deps: Required<Pick<AppDeps, 'fetch' | 'log' | 'generateId' | 'now'>> & AppDeps
  }

export type AppEnv = { Variables: AppVariables }
