/**
 * @module app: `createApp(config, deps)` composes the pipeline (design.md): request id, logging,
 * host check, auth, body limit, user middlewares, then per route validate → normalize →
 * tool mapping → SSE re-framing → handler. Web-standard only: nothing here touches node:*.
 */
import { Hono } from 'hono'
import { BackendRegistry } from './backends/registry.js'
import { resolveBackends } from './backends/resolve.js'
import type { Config } from './config.js'
import { errorBody, ProxyError, toProxyError } from './errors.js'
import { auth } from './middleware/auth.js'
import { bodyLimit } from './middleware/body-limit.js'
import { hostCheck } from './middleware/host-check.js'
import { logger } from './middleware/logger.js'
import { normalize } from './middleware/normalize.js'
import { requestId } from './middleware/request-id.js'
import { sseReframe } from './middleware/sse-reframe.js'
import { toolMapping } from './middleware/tool-mapping.js'
import { validate } from './middleware/validate.js'
import { countTokensHandler } from './routes/count-tokens.js'
import { infoRoutes } from './routes/info.js'
import { messagesHandler } from './routes/messages.js'
import { CountTokensRequestSchema, MessagesRequestSchema } from './schemas/anthropic.js'
import type { AppDeps, AppEnv, AppVariables } from './types.js'
import { UsageCalibrator } from './usage-calibration.js'

/** What Claude Code resends on every turn: tools, system prompt, the history so far. */
const REUSE = { values: ['tools', 'system'], items: ['messages'] }

const defaultGenerateId = (prefix: string) =>
  `${prefix}${crypto.randomUUID().replaceAll('-', '').slice(0, 24)}`

/** The backend registry for a config (the Node side starts its background probes). */
export function createRegistry(
  config: Config,
  deps: Pick<AppDeps, 'fetch' | 'log' | 'now'> & { logLine?: (line: string) => void },
): BackendRegistry {
  return new BackendRegistry(
    resolveBackends(config),
    {
      fetch: deps.fetch,
      now: deps.now,
      log: deps.logLine ?? ((line: string) => deps.log.info({ probe: line }, line)),
    },
    { retryDownAfterMs: config.retryDownAfterMs, probeIntervalMs: config.probeIntervalMs },
  )
}

/**
 * @param config the validated configuration (see config.ts)
 * @param deps the upstream fetch, logger and optional registry, metrics, trace sink, middlewares
 * @example
 * const app = createApp(loadConfig(), { fetch, log: pino() })
 * serve({ fetch: app.fetch, port: 8082, hostname: '127.0.0.1' })
 */
export function createApp(config: Config, deps: AppDeps): Hono<AppEnv> {
  const now = deps.now ?? Date.now
  const full: AppVariables['deps'] = {
    ...deps,
    now,
    generateId: deps.generateId ?? defaultGenerateId,
  }
  const registry = deps.registry ?? createRegistry(config, full)
  full.registry = registry
  const calibrator = new UsageCalibrator((backend, ratio, samples) =>
    deps.log.debug(
      { backend, charsPerToken: Number(ratio.toFixed(3)), samples },
      'usage estimate calibrated',
    ),
  )
  const startedAt = now()

  const app = new Hono<AppEnv>()
  app.use(async function context(c, next) {
    c.set('config', config)
    c.set('deps', full)
    await next()
  })
  app.use(requestId())
  app.use(logger({ log: deps.log, now }))
  if (deps.metrics) {
    const metrics = deps.metrics
    app.use(async function recordMetrics(c, next) {
      const start = now()
      await next()
      const stats = c.get('stats')
      const record = () =>
        metrics.request({
          route: c.req.routePath || c.req.path,
          backend: stats.backend ?? 'none',
          status: c.res.status,
          stopReason: stats.stopReason,
          ttftMs: stats.ttfbMs,
          durationMs: now() - start,
          inputTokens: stats.inputTokens,
          outputTokens: stats.outputTokens,
          cachedTokens: stats.cachedTokens,
        })
      if (stats.done) void stats.done.then(record, record)
      else record()
    })
  }
  app.use(hostCheck({ host: config.host }))
  app.use('/v1/*', auth({ apiKey: config.apiKey }))
  // Before user middlewares, so nothing reads a body that is too large.
  app.use('/v1/*', bodyLimit({ maxBytes: config.bodyLimit }))
  for (const m of deps.middleware ?? []) app.use(m)

  const translate = [
    normalize({ stripBillingHeader: config.stripBillingHeader }),
    toolMapping(),
    sseReframe({ hideThinking: config.hideThinking }),
  ] as const
  // The same limits and byte helpers for both routes (each keeps its own reuse cache).
  const body = {
    maxBytes: config.bodyLimit,
    reuse: { ...REUSE, equal: deps.bytes?.equal },
    view: deps.bytes?.view,
  }
  app.post(
    '/v1/messages',
    validate({ schema: MessagesRequestSchema, ...body }),
    ...translate,
    messagesHandler({ registry, calibrator }),
  )
  app.post(
    '/v1/messages/count_tokens',
    validate({ schema: CountTokensRequestSchema, ...body }),
    ...translate,
    countTokensHandler({ registry, calibrator }),
  )
  app.route('/', infoRoutes({ registry, startedAt }))

  app.notFound((c) =>
    c.json(
      errorBody(
        'not_found_error',
        `no route for ${c.req.method} ${c.req.path}`,
        c.get('requestId'),
      ),
      404,
    ),
  )
  app.onError((err, c) => {
    const e = toProxyError(err)
    if (e.status >= 500 && !(err instanceof ProxyError))
      deps.log.error({ id: c.get('requestId'), err: String(err) }, 'unhandled error')
    const res = c.json(errorBody(e.errorType, e.message, c.get('requestId')), e.status as 400)
    if (e.shouldRetry !== undefined) res.headers.set('x-should-retry', String(e.shouldRetry))
    return res
  })
  return app
}
