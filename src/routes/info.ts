/** @module routes/info: the small routes: models, health, metrics, HEAD /, event logging. */
import { Hono } from 'hono'
import type { BackendRegistry } from '../backends/registry.js'
import type { AppEnv } from '../types.js'

export type InfoDeps = { registry: BackendRegistry; startedAt: number }

/** A fixed creation date: nothing here should vary between requests. */
const CREATED_AT = '2025-01-01T00:00:00Z'

export function infoRoutes(deps: InfoDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>()

  // Claude Code 2.1.x fires a HEAD / at start-up (pre-connect): answer at once.
  app.on('HEAD', '/', (c) => c.body(null, 200))
  app.get('/', (c) => c.json({ name: 'anyclaude', status: 'ok' }))

  app.get('/health', (c) =>
    c.json({
      ...deps.registry.toHealthJson(),
      uptimeS: Math.round((c.get('deps').now() - deps.startedAt) / 1000),
    }),
  )

  const modelList = () => {
    const ids = new Set<string>()
    for (const b of deps.registry.backends) ids.add(b.model ?? b.name)
    for (const s of deps.registry.states()) for (const m of s.models ?? []) ids.add(m)
    return [...ids].map((id) => ({ type: 'model', id, display_name: id, created_at: CREATED_AT }))
  }
  app.get('/v1/models', (c) => {
    const data = modelList()
    return c.json({
      data,
      has_more: false,
      first_id: data[0]?.id ?? null,
      last_id: data.at(-1)?.id ?? null,
    })
  })
  app.get('/v1/models/:id{.+}', (c) => {
    const id = c.req.param('id')
    return c.json(
      modelList().find((m) => m.id === id) ?? {
        type: 'model',
        id,
        display_name: id,
        created_at: CREATED_AT,
      },
    )
  })

  app.get('/metrics', async (c) => {
    const metrics = c.get('deps').metrics
    if (!metrics) return c.text('# metrics are not enabled\n', 200)
    const { contentType, body } = await metrics.render()
    return c.body(body, 200, { 'content-type': contentType })
  })

  // Claude Code 2.0.x posts telemetry here unless told not to: accept and drop.
  app.post('/api/event_logging/batch', (c) => c.json({}))
  return app
}
