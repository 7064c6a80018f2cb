/**
 * @module server: the Node side of the proxy: the upstream undici Agent, pino logging,
 * `@hono/node-server`, background backend probes and graceful shutdown.
 */
import { setMaxListeners } from 'node:events'
import { createWriteStream } from 'node:fs'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type ServerType, serve } from '@hono/node-server'
import pino from 'pino'
import { createApp, createRegistry } from './app.js'
import type { BackendRegistry } from './backends/registry.js'
import type { Config } from './config.js'
import { PromMetrics } from './metrics-prom.js'
import type { AppDeps, Log } from './types.js'
import { createUpstreamFetch } from './upstream-fetch.js'

export { createUpstreamFetch }

export type RunningServer = {
  url: string
  port: number
  registry: BackendRegistry
  /** Stops accepting, lets running streams finish up to the grace period, then ends them. */
  close(graceMs?: number): Promise<void>
}

export type StartOptions = {
  /** Where the listening line goes (stdout by default). */
  stdout?: (line: string) => void
  /** Where logs go: stderr by default, a file in launcher mode. */
  logDestination?: NodeJS.WritableStream
  /** Override the upstream fetch (tests). */
  fetch?: typeof fetch
  deps?: Partial<AppDeps>
}

const LEVELS = ['warn', 'info', 'debug', 'debug'] as const

export function createLog(config: Config, destination?: NodeJS.WritableStream): Log {
  const dest =
    destination ??
    (config.logFile ? createWriteStream(config.logFile, { flags: 'a' }) : pino.destination(2))
  return pino(
    {
      level: LEVELS[config.debug] ?? 'warn',
      base: undefined,
      redact: ['*.apiKey', '*.authorization', '*["x-api-key"]'],
    },
    dest as pino.DestinationStream,
  )
}

export async function startServer(
  config: Config,
  options: StartOptions = {},
): Promise<RunningServer> {
  const log = createLog(config, options.logDestination)
  const upstreamFetch = options.fetch ?? createUpstreamFetch(config)
  const metrics = new PromMetrics()
  const stderrLine = (line: string) => {
    if (options.logDestination) options.logDestination.write(`${line}\n`)
    else process.stderr.write(`${line}\n`)
  }
  const registry = createRegistry(config, { fetch: upstreamFetch, log, logLine: stderrLine })
  const shutdown = new AbortController()
  // Every running exchange listens for shutdown: many parallel streams are normal, not a leak.
  setMaxListeners(0, shutdown.signal)
  const app = createApp(config, {
    fetch: upstreamFetch,
    log,
    registry,
    metrics,
    shutdownSignal: shutdown.signal,
    defer: setImmediate,
    allocBytes: Buffer.allocUnsafe,
    bytes: {
      view: (b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength),
      equal: (a, b) => Buffer.compare(a, b) === 0,
    },
    ...options.deps,
  })

  if (
    config.host !== '127.0.0.1' &&
    config.host !== 'localhost' &&
    config.host !== '::1' &&
    !config.apiKey
  )
    stderrLine(
      `WARNING: anyclaude is listening on ${config.host} without a proxy key: anyone who can reach this address can use your backends. Set ANYCLAUDE_API_KEY.`,
    )

  const server: ServerType = await new Promise((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, () =>
      resolve(s),
    )
    s.once('error', reject)
  })
  const port = (server.address() as AddressInfo).port
  const host = config.host.includes(':') ? `[${config.host}]` : config.host
  const url = `http://${host}:${port}`
  ;(options.stdout ?? ((l: string) => process.stdout.write(`${l}\n`)))(
    `anyclaude listening on ${url}`,
  )

  metrics.trackBackends(() => registry.states())
  void registry.probeAll()
  registry.startBackgroundProbes()

  let closing: Promise<void> | undefined
  // After close(), a keep-alive connection left idle by a finished stream would hold
  // server.close() until the grace period ends: close each one as soon as it goes idle.
  const http = server as Server
  http.on('request', (_req: IncomingMessage, res: ServerResponse) =>
    res.once('close', () => {
      if (closing) setImmediate(() => http.closeIdleConnections())
    }),
  )
  return {
    url,
    port,
    registry,
    close(graceMs = config.shutdownGraceMs) {
      closing ??= new Promise<void>((resolve) => {
        registry.stop()
        const timer = setTimeout(() => {
          shutdown.abort()
          // Give the error events a moment to flush, then drop what is left.
          setTimeout(() => http.closeAllConnections(), 200).unref()
        }, graceMs)
        timer.unref()
        server.close(() => {
          clearTimeout(timer)
          // The upstream connection pool (idle keep-alive sockets to the backends).
          // Only a pool this server made: a fetch passed in belongs to the caller.
          if (!options.fetch)
            void (upstreamFetch as { close?: () => Promise<void> }).close?.().catch(() => {})
          resolve()
        })
        http.closeIdleConnections()
      })
      return closing
    },
  }
}
