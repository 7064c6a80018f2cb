/**
 * @module doctor-app: the proxy in-process, for `doctor` and `replay`: the real pipeline (routing,
 * translation, tool-call rescue) through `app.request()`, without a socket.
 */
import type { Hono } from 'hono'
import { createApp, createRegistry } from './app.js'
import type { BackendRegistry } from './backends/registry.js'
import type { Config } from './config.js'
import type { AppDeps, AppEnv, Log } from './types.js'

/** A logger that keeps the warnings and errors (doctor shows them as hints), and drops the rest. */
export function collectingLog(): Log & { lines: string[] } {
  const lines: string[] = []
  const keep = (obj: object, msg?: string) => {
    const reason =
      (obj as { reason?: unknown; err?: unknown }).reason ?? (obj as { err?: unknown }).err
    lines.push([msg, typeof reason === 'string' ? reason : undefined].filter(Boolean).join(': '))
  }
  return { lines, info() {}, debug() {}, warn: keep, error: keep }
}

export type LocalApp = {
  app: Hono<AppEnv>
  registry: BackendRegistry
  log: Log & { lines: string[] }
  /** POST /v1/messages in-process; the answer as the proxy would send it. */
  send(
    body: unknown,
    options?: { headers?: Record<string, string>; signal?: AbortSignal },
  ): Promise<Response>
}

/**
 * Builds the app for `config` and probes its backends first, so detection (quirks, the loaded
 * model, the context window) is known before the first request, as in a running proxy.
 * @param fetch the upstream fetch (`createUpstreamFetch(config)` for real backends)
 * @example const local = await createLocalApp(config, createUpstreamFetch(config))
 */
export async function createLocalApp(
  config: Config,
  fetch: typeof globalThis.fetch,
  deps: Partial<AppDeps> = {},
): Promise<LocalApp> {
  const log = collectingLog()
  const registry = createRegistry(config, { fetch, log, logLine: () => {} })
  await registry.probeAll()
  const app = createApp(config, { fetch, log, registry, ...deps })
  return {
    app,
    registry,
    log,
    send(body, options = {}) {
      const headers: Record<string, string> = {
        ...options.headers,
        'content-type': 'application/json',
        'anthropic-version': '2023-06-01',
      }
      if (config.apiKey) headers['x-api-key'] = config.apiKey
      return Promise.resolve(
        app.request('http://127.0.0.1/v1/messages', {
          method: 'POST',
          headers,
          body: JSON.stringify(body),
          ...(options.signal && { signal: options.signal }),
        }),
      )
    },
  }
}
