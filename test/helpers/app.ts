/** Test helpers: an app in front of a fake backend, with a collecting logger. */
import Anthropic from '@anthropic-ai/sdk'
import { createApp } from '../../src/app.js'
import { type Config, loadConfig } from '../../src/config.js'
import type { AppDeps, Log } from '../../src/types.js'
import { type FakeHandler, fakeFetch } from './fake-openai.js'

export type LogLine = { level: string; obj: Record<string, unknown>; msg?: string }

export function collectingLog(): Log & { lines: LogLine[] } {
  const lines: LogLine[] = []
  const at = (level: string) => (obj: object, msg?: string) =>
    lines.push({ level, obj: obj as Record<string, unknown>, msg })
  return { lines, info: at('info'), warn: at('warn'), error: at('error'), debug: at('debug') }
}

/** A config with the given backends (default: one generic OpenAI backend at fake.local). */
export function testConfig(overrides: Record<string, unknown> = {}): Config {
  const json = JSON.stringify({
    backends: [{ name: 'fake', kind: 'openai', url: 'http://fake.local/v1', model: 'fake-model' }],
    pingAfterMs: 2000,
    ...overrides,
  })
  return loadConfig({ config: 'test.json' }, {}, () => json)
}

let ids = 0
export function testApp(
  handler: FakeHandler,
  configOverrides: Record<string, unknown> = {},
  deps: Partial<AppDeps> = {},
) {
  const fetch = fakeFetch(handler)
  const log = collectingLog()
  const config = testConfig(configOverrides)
  const app = createApp(config, { fetch, log, generateId: (p) => `${p}${++ids}`, ...deps })
  return { app, fetch, log, config }
}

export const anthropicHeaders = {
  'content-type': 'application/json',
  'anthropic-version': '2023-06-01',
  'x-api-key': 'sk-test',
  host: '127.0.0.1:8082',
}

export function post(
  app: { request: (path: string, init: RequestInit) => Response | Promise<Response> },
  body: unknown,
  path = '/v1/messages',
) {
  return app.request(path, {
    method: 'POST',
    headers: anthropicHeaders,
    body: JSON.stringify(body),
  })
}

export const simpleRequest = (over: Record<string, unknown> = {}) => ({
  model: 'claude-sonnet-4-5',
  max_tokens: 1024,
  stream: true,
  messages: [{ role: 'user', content: 'say hi' }],
  ...over,
})

/** The official Anthropic SDK, talking to `app` in-process (its stream accumulator checks ours). */
export const sdkClient = (app: {
  request: (path: string, init?: RequestInit) => Response | Promise<Response>
}) =>
  new Anthropic({
    apiKey: 'sk-test',
    baseURL: 'http://127.0.0.1:8082',
    maxRetries: 0,
    fetch: (url: RequestInfo | URL, init?: RequestInit) =>
      Promise.resolve(app.request(String(url), init)),
  })
