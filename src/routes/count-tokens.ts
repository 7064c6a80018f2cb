/**
 * @module routes/count-tokens: `POST /v1/messages/count_tokens`. The backend's tokenizer where the
 * server has one (llama.cpp and vLLM `/tokenize`), else the per-backend calibrated estimate.
 */
import type { Context } from 'hono'
import type { BackendRegistry } from '../backends/registry.js'
import { encodeJson } from '../translate/encode-json.js'
import type { AppEnv } from '../types.js'
import type { UsageCalibrator } from '../usage-calibration.js'
import { route } from './route.js'

export type CountTokensDeps = { registry: BackendRegistry; calibrator: UsageCalibrator }

/** Servers with a `/tokenize` endpoint taking `{content}` and answering `{tokens: [...]}`. */
const TOKENIZE_KINDS = new Set(['llamacpp', 'vllm'])

export const countTokensHandler = (deps: CountTokensDeps) =>
  async function countTokens(c: Context<AppEnv>): Promise<Response> {
    const request = c.get('request')
    const { candidates } = route(c, deps.registry, 0)
    const first = candidates[0]
    if (!first) return c.json({ input_tokens: 0 })
    const backend = deps.registry.effective(first.backend, first.url)
    const body = c.get('upstream').build(backend, {
      model: backend.model ?? request.model,
      stream: false,
      maxTokens: 1,
    }).value
    if (TOKENIZE_KINDS.has(backend.kind)) {
      const tokens = await tokenize(c.get('deps').fetch, first.url, body, c.req.raw.signal)
      if (tokens !== undefined) return c.json({ input_tokens: tokens })
    }
    // Bytes, the unit the calibrator learns in (exchange.ts measures the upstream body's bytes).
    return c.json({
      input_tokens: deps.calibrator.estimate(backend.name, encodeJson(body).byteLength),
    })
  }

/** Renders the messages as plain text and asks the server's tokenizer; undefined on any failure. */
async function tokenize(
  fetchFn: typeof fetch,
  baseUrl: string,
  body: Record<string, unknown>,
  signal: AbortSignal,
): Promise<number | undefined> {
  const root = baseUrl.replace(/\/v1$/, '')
  const content = JSON.stringify({ messages: body.messages, tools: body.tools })
  try {
    const res = await fetchFn(`${root}/tokenize`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ content, prompt: content }),
      signal,
    })
    if (!res.ok) {
      await res.text().catch(() => {}) // free the connection
      return undefined
    }
    const json = (await res.json()) as { tokens?: unknown[]; count?: number }
    if (Array.isArray(json.tokens)) return json.tokens.length
    if (typeof json.count === 'number') return json.count
  } catch {
    // fall back to the estimate
  }
  return undefined
}
