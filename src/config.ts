/**
 * @module config: the one reader of flags, environment and the optional JSON file.
 * Precedence: flag > env > JSON file > defaults (design.md's configuration table).
 */
import { readFileSync } from 'node:fs'
import { z } from 'zod'
import { BACKEND_KINDS } from './backends/types.js'
import { TEXT_TOOL_FORMATS } from './toolcalls/types.js'

const MB = 1024 * 1024

const BackendConfigSchema = z.looseObject({
  name: z.string().min(1).optional(),
  kind: z.enum(BACKEND_KINDS),
  url: z.string().url().optional(),
  urls: z.array(z.string().url()).min(1).optional(),
  apiKey: z.string().optional(),
  model: z.string().optional(),
  tools: z.enum(['native', 'rescue', 'none']).optional(),
  textToolFormats: z.array(z.enum(TEXT_TOOL_FORMATS)).optional(),
  thinkTags: z.boolean().optional(),
  thinkOpen: z.boolean().optional(),
  vision: z.boolean().optional(),
  thinking: z.enum(['chat_template_kwargs', 'reasoning_effort', 'none']).optional(),
  structuredOutput: z.boolean().optional(),
  temperature: z.number().min(0).max(2).optional(),
  topP: z.number().min(0).max(1).optional(),
  topK: z.number().int().min(0).optional(),
  contextWindow: z.number().int().positive().optional(),
  maxTokens: z.number().int().positive().optional(),
  historyToolCallsAsText: z.boolean().optional(),
  shortToolIds: z.boolean().optional(),
  replayThinking: z.boolean().optional(),
  enabled: z.boolean().optional(),
})
export type BackendConfig = z.infer<typeof BackendConfigSchema>

const RuleSchema = z.looseObject({
  /** Backend name (or kind) to use when every given condition matches. */
  backend: z.string().min(1),
  hasTools: z.boolean().optional(),
  /** Substring or /regex/ matched against the requested model name. */
  model: z.string().optional(),
  thinking: z.boolean().optional(),
  /** `{ name: value }`: request header equals value (value `*` = present). */
  header: z
    .record(
      // An HTTP token: a name no request can carry would fail every request, not the rule.
      z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'not a valid HTTP header name'),
      z.string(),
    )
    .optional(),
  minTokens: z.number().int().nonnegative().optional(),
  maxTokens: z.number().int().nonnegative().optional(),
})
export type RoutingRule = z.infer<typeof RuleSchema>

export const ConfigSchema = z.object({
  port: z.number().int().min(0).max(65535).default(8082),
  host: z.string().min(1).default('127.0.0.1'),
  mode: z.string().min(1).default('auto'),
  debug: z.number().int().min(0).max(3).default(0),
  proxyOnly: z.boolean().default(false),
  apiKey: z.string().optional(),
  pingAfterMs: z.number().int().positive().default(2000),
  pingIntervalMs: z.number().int().positive().default(10_000),
  /** No first token within this time → api_error. Generous: local prefill takes minutes. */
  firstTokenTimeoutMs: z.number().int().positive().default(600_000),
  /** No upstream data for this long once tokens flow → api_error. */
  idleTimeoutMs: z.number().int().positive().default(180_000),
  bodyLimit: z
    .number()
    .int()
    .positive()
    .default(64 * MB),
  /** Remove Claude Code's x-anthropic-billing-header system block (it varies per conversation). */
  stripBillingHeader: z.boolean().default(true),
  /** Do not show thinking blocks to the client. */
  hideThinking: z.boolean().default(false),
  /** Scale reported usage to make Claude Code compact before a small local window fills. */
  scaleUsage: z.union([z.boolean(), z.literal('auto')]).default('auto'),
  /** Tokens kept free between prompt + max_tokens and the context window. */
  contextMargin: z.number().int().nonnegative().default(256),
  shutdownGraceMs: z.number().int().nonnegative().default(10_000),
  /** While a backend pre-fills, log the elapsed time this often. */
  progressLogMs: z.number().int().positive().default(5_000),
  probeIntervalMs: z.number().int().positive().default(30_000),
  /** Circuit breaker: how long a failed backend is skipped before a half-open retry. */
  retryDownAfterMs: z.number().int().positive().default(5_000),
  traceDir: z.string().optional(),
  logFile: z.string().optional(),
  /** The Claude Code executable the launcher runs (`claude` on PATH by default). */
  claudeBin: z.string().min(1).optional(),
  /** The port came from a flag, the environment or the file: the launcher uses any free one otherwise. */
  portGiven: z.boolean().default(false),
  backends: z.array(BackendConfigSchema).min(1),
  rules: z.array(RuleSchema).default([]),
  /** Preference orders (backend names or kinds); the router's defaults otherwise. */
  toolOrder: z.array(z.string()).optional(),
  chatOrder: z.array(z.string()).optional(),
})
export type Config = z.infer<typeof ConfigSchema>

export type Flags = {
  port?: string
  host?: string
  mode?: string
  debug?: string
  config?: string
  proxyOnly?: boolean
}

type Env = Record<string, string | undefined>

const DEFAULT_BACKENDS: BackendConfig[] = [
  { name: 'mlx-textgen', kind: 'mlx-textgen', url: 'http://127.0.0.1:5001/v1' },
  { name: 'mlx-lm', kind: 'mlx-lm', url: 'http://127.0.0.1:8080/v1' },
  { name: 'lmstudio', kind: 'lmstudio', url: 'http://127.0.0.1:1234/v1' },
]

/** The env prefix of each named default backend. */
const BACKEND_ENV = [
  ['mlx-textgen', 'MLX_TEXTGEN'],
  ['mlx-lm', 'MLX_LM'],
  ['lmstudio', 'LMSTUDIO'],
] as const

export class ConfigError extends Error {
  override name = 'ConfigError'
}

const num = (v: string | undefined, what: string): number | undefined => {
  if (v === undefined || v === '') return undefined
  const n = Number(v)
  if (!Number.isFinite(n)) throw new ConfigError(`${what}: "${v}" is not a number`)
  return n
}

const bool = (v: string | undefined): boolean | undefined => {
  if (v === undefined || v === '') return undefined
  return /^(1|true|yes|on)$/i.test(v)
}

const prune = <T extends Record<string, unknown>>(o: T): Partial<T> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>

/**
 * Loads the configuration.
 * @param flags parsed command-line flags (strings as typed)
 * @param env the environment (defaults to `process.env`; the only place it is read)
 * @param readFile reads the JSON file (injectable for tests)
 * @throws ConfigError naming the invalid value
 * @example loadConfig({ port: '0' }, { ANYCLAUDE_MODE: 'mlx-lm' })
 */
export function loadConfig(
  flags: Flags = {},
  env: Env = process.env,
  readFile: (path: string) => string = (p) => readFileSync(p, 'utf8'),
): Config {
  const file = flags.config ?? env.ANYCLAUDE_CONFIG
  let fromFile: Record<string, unknown> = {}
  if (file) {
    let text: string
    try {
      text = readFile(file)
    } catch (e) {
      throw new ConfigError(`config file ${file}: ${(e as Error).message}`)
    }
    try {
      fromFile = JSON.parse(text) as Record<string, unknown>
    } catch (e) {
      throw new ConfigError(`config file ${file}: invalid JSON (${(e as Error).message})`)
    }
    if (typeof fromFile !== 'object' || fromFile === null || Array.isArray(fromFile))
      throw new ConfigError(`config file ${file}: must hold a JSON object`)
  }

  const backends = applyBackendEnv(
    Array.isArray(fromFile.backends) ? (fromFile.backends as BackendConfig[]) : DEFAULT_BACKENDS,
    env,
  )

  const fromEnv = prune({
    port: num(env.ANYCLAUDE_PORT, 'ANYCLAUDE_PORT'),
    host: env.ANYCLAUDE_HOST || undefined,
    mode: env.ANYCLAUDE_MODE || undefined,
    debug: num(env.ANYCLAUDE_DEBUG, 'ANYCLAUDE_DEBUG'),
    proxyOnly: bool(env.ANYCLAUDE_PROXY_ONLY) ?? bool(env.PROXY_ONLY),
    apiKey: env.ANYCLAUDE_API_KEY || undefined,
    pingIntervalMs: num(env.ANYCLAUDE_PING_MS, 'ANYCLAUDE_PING_MS'),
    bodyLimit: num(env.ANYCLAUDE_BODY_LIMIT, 'ANYCLAUDE_BODY_LIMIT'),
    firstTokenTimeoutMs: num(
      env.ANYCLAUDE_FIRST_TOKEN_TIMEOUT_MS,
      'ANYCLAUDE_FIRST_TOKEN_TIMEOUT_MS',
    ),
    idleTimeoutMs: num(env.ANYCLAUDE_IDLE_TIMEOUT_MS, 'ANYCLAUDE_IDLE_TIMEOUT_MS'),
    stripBillingHeader: bool(env.ANYCLAUDE_STRIP_BILLING_HEADER),
    hideThinking: bool(env.ANYCLAUDE_HIDE_THINKING),
    traceDir: env.ANYCLAUDE_TRACE_DIR || undefined,
    logFile: env.ANYCLAUDE_LOG_FILE || undefined,
    claudeBin: env.ANYCLAUDE_CLAUDE_BIN || undefined,
  })
  const fromFlags = prune({
    port: num(flags.port, '--port'),
    host: flags.host,
    mode: flags.mode,
    debug: num(flags.debug, '--debug'),
    proxyOnly: flags.proxyOnly,
  })

  const portGiven = (fromFlags.port ?? fromEnv.port ?? fromFile.port) !== undefined
  const merged = { ...fromFile, ...fromEnv, ...fromFlags, backends, portGiven }
  const parsed = ConfigSchema.safeParse(merged)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const where = issue?.path.join('.') || 'config'
    // A bad record key (a header name) says why in the issue nested under it.
    const inner = (issue as { issues?: { message: string }[] } | undefined)?.issues?.[0]?.message
    throw new ConfigError(
      `invalid configuration: ${where}: ${inner ?? issue?.message ?? 'invalid'}`,
    )
  }
  const names = new Set<string>()
  for (const b of parsed.data.backends) {
    const name = b.name ?? b.kind
    if (names.has(name))
      throw new ConfigError(`invalid configuration: backend name "${name}" is used twice`)
    names.add(name)
    if (!b.url && !b.urls)
      throw new ConfigError(`invalid configuration: backend "${name}" has no url`)
  }
  return parsed.data
}

/** MLX_LM_URL / _MODEL / _API_KEY (and the others) override or add the named default backends. */
function applyBackendEnv(list: BackendConfig[], env: Env): BackendConfig[] {
  const out = list.map((b) => ({ ...b }))
  for (const [name, prefix] of BACKEND_ENV) {
    const url = env[`${prefix}_URL`] || undefined
    const model = env[`${prefix}_MODEL`] || undefined
    const apiKey = env[`${prefix}_API_KEY`] || undefined
    if (!url && !model && !apiKey) continue
    let entry = out.find((b) => (b.name ?? b.kind) === name)
    if (!entry) {
      const def = DEFAULT_BACKENDS.find((b) => b.name === name)!
      entry = { ...def }
      out.push(entry)
    }
    if (url) {
      entry.url = url
      delete entry.urls
    }
    if (model) entry.model = model
    if (apiKey) entry.apiKey = apiKey
  }
  return out
}

/** Base URLs are accepted with or without `/v1`; stored with it, without a trailing slash. */
export function normalizeBaseUrl(url: string): string {
  const trimmed = url.replace(/\/+$/, '')
  return /\/v1$/.test(trimmed) ? trimmed : `${trimmed}/v1`
}
