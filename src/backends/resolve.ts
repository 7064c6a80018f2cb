/** @module backends/resolve: configured backends → `Backend`s (kind defaults, then config). */
import { type BackendConfig, type Config, normalizeBaseUrl } from '../config.js'
import { KIND_PROFILES } from './kinds/index.js'
import type { Backend, BackendCapabilities } from './types.js'

/** Config keys copied as they are (validated by the config schema). */
const SCHEMA_KEYS = [
  'tools',
  'textToolFormats',
  'thinkTags',
  'thinkOpen',
  'vision',
  'thinking',
  'structuredOutput',
  'contextWindow',
  'maxTokens',
  'historyToolCallsAsText',
  'shortToolIds',
  'replayThinking',
] as const satisfies readonly (keyof BackendConfig & keyof BackendCapabilities)[]

/**
 * Extra keys a config file may set (the schema is loose, so they are checked here): ranks and the
 * flags a kind normally decides, for a server the kinds do not describe well.
 */
const EXTRA_KEYS = {
  speedRank: 'number',
  toolRank: 'number',
  maxToolCallsPerAnswer: 'number',
  stringContentOnly: 'boolean',
  toolChoice: 'boolean',
  parallelToolCalls: 'boolean',
  streamUsage: 'boolean',
  emptyStreamIsOverflow: 'boolean',
} as const satisfies Partial<Record<keyof BackendCapabilities, 'number' | 'boolean'>>

const MAX_TOKENS_FIELDS = ['max_tokens', 'max_completion_tokens', 'both'] as const

/** The capability fields one backend entry sets explicitly. */
function configuredFields(entry: BackendConfig): Partial<BackendCapabilities> {
  const out: Record<string, unknown> = {}
  for (const key of SCHEMA_KEYS) if (entry[key] !== undefined) out[key] = entry[key]
  const loose = entry as Record<string, unknown>
  for (const [key, type] of Object.entries(EXTRA_KEYS))
    if (typeof loose[key] === type) out[key] = loose[key]
  const field = loose.maxTokensField
  if (MAX_TOKENS_FIELDS.some((f) => f === field)) out.maxTokensField = field
  const sampling = {
    ...(entry.temperature !== undefined && { temperature: entry.temperature }),
    ...(entry.topP !== undefined && { top_p: entry.topP }),
    ...(entry.topK !== undefined && { top_k: entry.topK }),
  }
  if (Object.keys(sampling).length > 0) out.sampling = sampling
  return out as Partial<BackendCapabilities>
}

/**
 * Resolves one configured entry. `model` stays unset unless configured: the detected model or the
 * kind's default is chosen per URL by `effectiveBackend`.
 */
export function resolveBackend(entry: BackendConfig): Backend {
  const profile = KIND_PROFILES[entry.kind]
  const configured = configuredFields(entry)
  const raw = entry.urls ?? (entry.url ? [entry.url] : [])
  const urls = [...new Set(raw.map(normalizeBaseUrl))]
  return {
    ...profile.defaults,
    ...configured,
    sampling: { ...profile.defaults.sampling, ...configured.sampling },
    name: entry.name ?? entry.kind,
    kind: entry.kind,
    urls,
    ...(entry.apiKey !== undefined && { apiKey: entry.apiKey }),
    ...(entry.model !== undefined && { model: entry.model }),
    configured,
  }
}

/**
 * The enabled backends of a configuration, in configuration order.
 * @example resolveBackends(loadConfig()).map((b) => b.name) // ['mlx-textgen', 'mlx-lm', 'lmstudio']
 */
export function resolveBackends(config: Pick<Config, 'backends'>): Backend[] {
  return config.backends.filter((entry) => entry.enabled !== false).map(resolveBackend)
}
