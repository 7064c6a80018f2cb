/**
 * @module backends/detect: fingerprints the server really answering at a base URL.
 *
 * 8080 is both mlx-lm's and llama-server's default port, so a configured kind is a guess: each
 * server has an endpoint only it answers (llama.cpp `/props`, LM Studio `/api/v0/models`, Ollama
 * `/api/version`, vLLM `/version`), and the `/v1/models` shape tells MLX-Textgen and mlx-lm apart.
 * Networking only through the injected `fetch`.
 */
import { effectiveBackend } from './effective.js'
import { KIND_LABELS } from './kinds/index.js'
import type { Backend, BackendKind, BackendState } from './types.js'

export type ProbeResult = {
  up: boolean
  /** Why it is down: `connection refused`, `timeout`, `HTTP 500 (...)`. */
  reason?: string
  /** The server found, when its fingerprint is unambiguous. */
  detectedKind?: BackendKind
  /** Model ids, the loaded (served) one first when the server says which. */
  models?: string[]
  /** The context the loaded model runs with (not its training length). */
  contextWindow?: number
  vision?: boolean
}

export type ProbeOptions = {
  /** Per request; the probe's requests run in parallel. */
  timeoutMs: number
  /** Aborts the probe (shutdown). */
  signal?: AbortSignal
}

type Answer =
  | { kind: 'ok'; json: unknown }
  | { kind: 'http'; status: number; json: unknown }
  | { kind: 'failed'; reason: string }

type Json = Record<string, unknown>

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)
const okJson = (a: Answer): Json | undefined =>
  a.kind === 'ok' && isObject(a.json) ? a.json : undefined
const num = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : undefined
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined)
const entries = (v: unknown): Json[] => (Array.isArray(v) ? v.filter(isObject) : [])

/** Network error codes (undici puts them on `cause`, or on `cause.errors[]` for happy eyeballs). */
const CODE_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host not found',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'timeout',
  UND_ERR_CONNECT_TIMEOUT: 'timeout',
  UND_ERR_HEADERS_TIMEOUT: 'timeout',
  UND_ERR_SOCKET: 'connection reset',
  CERT_HAS_EXPIRED: 'TLS certificate expired',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'TLS certificate not trusted',
}

/** Names a failed `fetch` in a few words (`connection refused`, `timeout`, ...). */
export function describeFetchError(error: unknown): string {
  let e: unknown = error
  let last = 'unreachable'
  for (let depth = 0; depth < 5 && e != null; depth++) {
    const o = e as {
      code?: unknown
      name?: unknown
      message?: unknown
      cause?: unknown
      errors?: unknown
    }
    if (typeof o.code === 'string' && CODE_REASONS[o.code]) return CODE_REASONS[o.code]!
    if (o.name === 'TimeoutError' || o.name === 'AbortError') return 'timeout'
    if (typeof o.message === 'string' && o.message !== '' && o.message !== 'fetch failed')
      last = o.message
    e = o.cause ?? (Array.isArray(o.errors) ? o.errors[0] : undefined)
  }
  return last
}

/** GET with a timeout that holds even when `fetch` ignores its signal. */
async function get(
  fetchFn: typeof fetch,
  url: string,
  headers: Record<string, string>,
  { timeoutMs, signal }: ProbeOptions,
): Promise<Answer> {
  const controller = new AbortController()
  const abort = () => controller.abort()
  signal?.addEventListener('abort', abort, { once: true })
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<Answer>((resolve) => {
    timer = setTimeout(() => {
      controller.abort()
      resolve({ kind: 'failed', reason: 'timeout' })
    }, timeoutMs)
  })
  const attempt = async (): Promise<Answer> => {
    try {
      const res = await fetchFn(url, { method: 'GET', headers, signal: controller.signal })
      const text = await res.text()
      let json: unknown
      try {
        json = JSON.parse(text)
      } catch {
        json = undefined
      }
      return res.ok ? { kind: 'ok', json } : { kind: 'http', status: res.status, json }
    } catch (error) {
      if (signal?.aborted) return { kind: 'failed', reason: 'aborted' }
      return { kind: 'failed', reason: describeFetchError(error) }
    }
  }
  try {
    return await Promise.race([attempt(), timeout])
  } finally {
    clearTimeout(timer)
    signal?.removeEventListener('abort', abort)
  }
}

/** `HTTP 503 (Loading model)`: the status and the server's own short message when it gives one. */
function httpReason(status: number, json: unknown): string {
  const err = isObject(json) ? json.error : undefined
  const message =
    str(isObject(err) ? err.message : err) ?? str(isObject(json) ? json.detail : undefined)
  return message && message.length <= 80 ? `HTTP ${status} (${message})` : `HTTP ${status}`
}

/** What one server's own endpoint tells; `models` go first (`complete`: the only ones). */
type Fingerprint = Omit<ProbeResult, 'up' | 'reason'> & { complete?: boolean }

/** llama-server: `/props` carries its generation settings and build. */
function fromLlamaProps(props: Json): Fingerprint | undefined {
  const settings = isObject(props.default_generation_settings)
    ? props.default_generation_settings
    : {}
  if (!('default_generation_settings' in props || 'build_info' in props || 'n_ctx' in props))
    return undefined
  const modalities = isObject(props.modalities) ? props.modalities : {}
  return {
    detectedKind: 'llamacpp',
    contextWindow: num(settings.n_ctx) ?? num(props.n_ctx),
    ...(typeof modalities.vision === 'boolean' && { vision: modalities.vision }),
  }
}

/** LM Studio: `/api/v0/models` lists every downloaded model with its state and context lengths. */
function fromLmStudio(list: Json): Fingerprint | undefined {
  const all = entries(list.data)
  if (!all.some((m) => 'state' in m || 'max_context_length' in m)) return undefined
  const chat = all.filter((m) => m.type !== 'embeddings' && str(m.id))
  const loaded = chat.filter((m) => m.state === 'loaded')
  const first = loaded[0]
  return {
    detectedKind: 'lmstudio',
    // Its /v1/models also lists embedding models, which cannot chat.
    complete: true,
    models: [...loaded, ...chat.filter((m) => m.state !== 'loaded')].map((m) => m.id as string),
    contextWindow: first && (num(first.loaded_context_length) ?? num(first.max_context_length)),
    ...(first && { vision: first.type === 'vlm' }),
  }
}

/** The `/v1/models` entries' shape, for servers without an endpoint of their own. */
function fromModelList(data: Json[], health: Json | undefined): Fingerprint | undefined {
  if (data.length === 0) return undefined
  const owners = new Set(data.map((m) => m.owned_by))
  if (owners.has('vllm'))
    return { detectedKind: 'vllm', contextWindow: num(data[0]?.max_model_len) }
  if (owners.has('llamacpp')) return { detectedKind: 'llamacpp' }
  // MLX-Textgen: {id, object, created, owned_by: null, permission: [], root: 'root'}.
  if (
    data.every(
      (m) => m.root === 'root' && Array.isArray(m.permission) && (m.owned_by ?? 'null') === 'null',
    )
  )
    return { detectedKind: 'mlx-textgen' }
  // mlx-lm: {id, object, created} only, and `GET /health` → {"status": "ok"}.
  if (data.every((m) => !('owned_by' in m)) && health?.status === 'ok')
    return { detectedKind: 'mlx-lm' }
  return undefined
}

/**
 * Probes one base URL: `GET {url}/models` says whether it is up, the server-specific endpoints
 * (in parallel) say what it is.
 * @param url a base URL ending in `/v1`
 * @example await probeBackend(backend, 'http://127.0.0.1:8080/v1', fetch, { timeoutMs: 3000 })
 */
export async function probeBackend(
  backend: Backend,
  url: string,
  fetchFn: typeof fetch,
  opts: ProbeOptions,
): Promise<ProbeResult> {
  const root = url.replace(/\/v1$/, '')
  const headers: Record<string, string> = { accept: 'application/json' }
  if (backend.apiKey) headers.authorization = `Bearer ${backend.apiKey}`
  if (backend.kind === 'anthropic') {
    // Anthropic servers: the Messages API's own auth; fingerprinting would not change the protocol.
    if (backend.apiKey) headers['x-api-key'] = backend.apiKey
    headers['anthropic-version'] = '2023-06-01'
    const models = await get(fetchFn, `${url}/models`, headers, opts)
    return finish(models, entries(okJson(models)?.data), {})
  }

  const [models, props, lms, ollamaVersion, vllmVersion, health] = await Promise.all([
    get(fetchFn, `${url}/models`, headers, opts),
    get(fetchFn, `${root}/props`, headers, opts),
    get(fetchFn, `${root}/api/v0/models`, headers, opts),
    get(fetchFn, `${root}/api/version`, headers, opts),
    get(fetchFn, `${root}/version`, headers, opts),
    get(fetchFn, `${root}/health`, headers, opts),
  ])
  const data = entries(okJson(models)?.data)
  const propsJson = okJson(props)
  const lmsJson = okJson(lms)
  let print: Fingerprint | undefined =
    (propsJson && fromLlamaProps(propsJson)) ?? (lmsJson && fromLmStudio(lmsJson))
  if (!print && str(okJson(ollamaVersion)?.version)) {
    // Ollama: `/api/ps` lists the loaded models with the context they run with (newer versions).
    const running = entries(okJson(await get(fetchFn, `${root}/api/ps`, headers, opts))?.models)
    const loaded = running.map((m) => str(m.model) ?? str(m.name)).filter((m) => m !== undefined)
    print = {
      detectedKind: 'ollama',
      models: loaded,
      contextWindow: num(running[0]?.context_length),
    }
  }
  if (!print && str(okJson(vllmVersion)?.version))
    print = { detectedKind: 'vllm', contextWindow: num(data[0]?.max_model_len) }
  print ??= fromModelList(data, okJson(health))
  return finish(models, data, print ?? {})
}

function finish(models: Answer, data: Json[], print: Fingerprint): ProbeResult {
  const listed = data.map((m) => str(m.id)).filter((m) => m !== undefined)
  const ids = print.complete
    ? (print.models ?? [])
    : [...new Set([...(print.models ?? []), ...listed])]
  const found: ProbeResult = {
    up: models.kind === 'ok',
    ...(print.detectedKind && { detectedKind: print.detectedKind }),
    ...(ids.length > 0 && { models: ids }),
    ...(print.contextWindow !== undefined && { contextWindow: print.contextWindow }),
    ...(print.vision !== undefined && { vision: print.vision }),
  }
  if (models.kind === 'failed') found.reason = models.reason
  else if (models.kind === 'http') found.reason = httpReason(models.status, models.json)
  return found
}

const contextLabel = (n: number): string =>
  n >= 1024 ? `${Math.round(n / 1024)}k context` : `${n} context`

/**
 * One line for the start-up log.
 * @example formatProbeLine(backend, state)
 * // '✓ mlx-textgen at http://127.0.0.1:5001/v1 — model Qwen3-Coder-30B, tools'
 * // '✗ lmstudio at http://127.0.0.1:1234/v1 — connection refused'
 */
export function formatProbeLine(backend: Backend, state: BackendState): string {
  const who = backend.name === backend.kind ? backend.name : `${backend.name} (${backend.kind})`
  const detected = state.detectedKind
  const mismatch =
    detected && detected !== backend.kind
      ? ` (configured ${KIND_LABELS[backend.kind]}, found ${KIND_LABELS[detected]})`
      : ''
  if (!state.up) return `✗ ${who} at ${state.url} — ${state.reason ?? 'down'}${mismatch}`
  const eff = effectiveBackend(backend, state)
  const facts = [
    eff.model !== undefined ? `model ${eff.model}` : 'no model loaded',
    eff.contextWindow !== undefined ? contextLabel(eff.contextWindow) : undefined,
    eff.tools === 'native' ? 'tools' : eff.tools === 'rescue' ? 'tools (from text)' : undefined,
    eff.vision ? 'vision' : undefined,
  ].filter((f) => f !== undefined)
  return `✓ ${who} at ${state.url} — ${facts.join(', ')}${mismatch}`
}
