/**
 * @module backends/router: which backends (and URLs) a request goes to, in order (pure).
 *
 * Order of precedence: a forced `mode`, then the first matching routing rule, then session
 * affinity, then the defaults (tool requests by toolRank or `toolOrder`, others by speedRank or
 * `chatOrder`). Down URLs are never dropped, only moved to the end: when everything is down the
 * request still tries them all in order.
 */
import type { RoutingRule } from '../config.js'
import type { MessagesRequest } from '../schemas/anthropic.js'
import type { Backend, BackendState } from './types.js'

export type RouteRequest = {
  hasTools: boolean
  /** The model name the client asked for. */
  model: string
  thinking: boolean
  /** Request headers, names in lower case. */
  headers: Record<string, string>
  tokenEstimate: number
  /** Claude Code's session id, for affinity. */
  sessionKey?: string
}

export type Candidate = { backend: Backend; url: string }

export type RouterConfig = {
  /** `auto`, or a backend name or kind to force. */
  mode: string
  rules: readonly RoutingRule[]
  backends: readonly Backend[]
  /** Preference orders (names or kinds) before the ranks. */
  toolOrder?: readonly string[] | undefined
  chatOrder?: readonly string[] | undefined
  /** Affinity key (see `affinityKey`) → backend name. */
  affinity?: ReadonlyMap<string, string>
  /** Epoch ms, to compare with circuit-breaker `retryAt`. */
  now: number
}

export type RouteDecision = { candidates: Candidate[]; reason: string }

/** A backend answers to its name or its kind. */
const matches = (b: Backend, nameOrKind: string): boolean =>
  b.name === nameOrKind || b.kind === nameOrKind

/** The affinity key: the tool-less side requests and the tool turns of a session stay apart. */
export const affinityKey = (sessionKey: string, hasTools: boolean): string =>
  `${sessionKey}|${hasTools ? 'tools' : 'chat'}`

/** `/regex/flags` → RegExp; anything else → undefined (a substring). Invalid regex → null. */
function asRegex(pattern: string): RegExp | null | undefined {
  const m = /^\/(.+)\/([a-z]*)$/.exec(pattern)
  if (!m) return undefined
  try {
    return new RegExp(m[1]!, m[2])
  } catch {
    return null
  }
}

function ruleMatches(rule: RoutingRule, req: RouteRequest): boolean {
  if (rule.hasTools !== undefined && rule.hasTools !== req.hasTools) return false
  if (rule.thinking !== undefined && rule.thinking !== req.thinking) return false
  if (rule.minTokens !== undefined && req.tokenEstimate < rule.minTokens) return false
  if (rule.maxTokens !== undefined && req.tokenEstimate > rule.maxTokens) return false
  if (rule.model !== undefined) {
    const re = asRegex(rule.model)
    if (re === null) return false
    const hit = re ? re.test(req.model) : req.model.toLowerCase().includes(rule.model.toLowerCase())
    if (!hit) return false
  }
  for (const [name, value] of Object.entries(rule.header ?? {})) {
    const got = req.headers[name.toLowerCase()]
    if (got === undefined || (value !== '*' && got !== value)) return false
  }
  return true
}

/** `hasTools=false, model~haiku`: the conditions of a rule, for the reason. */
function describeRule(rule: RoutingRule): string {
  const parts: string[] = []
  if (rule.hasTools !== undefined) parts.push(`hasTools=${rule.hasTools}`)
  if (rule.model !== undefined) parts.push(`model~${rule.model}`)
  if (rule.thinking !== undefined) parts.push(`thinking=${rule.thinking}`)
  for (const [name, value] of Object.entries(rule.header ?? {}))
    parts.push(`header ${name}=${value}`)
  if (rule.minTokens !== undefined) parts.push(`tokens>=${rule.minTokens}`)
  if (rule.maxTokens !== undefined) parts.push(`tokens<=${rule.maxTokens}`)
  return parts.length > 0 ? parts.join(', ') : 'always'
}

/** Preference order: listed names/kinds first (in list order), then rank; ties keep config order. */
function sortByPreference(
  backends: readonly Backend[],
  order: readonly string[] | undefined,
  tools: boolean,
): Backend[] {
  const position = (b: Backend): number => {
    const i = order?.findIndex((entry) => matches(b, entry)) ?? -1
    return i < 0 ? Number.POSITIVE_INFINITY : i
  }
  const rank = (b: Backend): number => (tools ? b.toolRank : b.speedRank)
  return [...backends].sort((a, b) => position(a) - position(b) || rank(b) - rank(a))
}

/**
 * Picks the candidates for one request.
 * @param states per-URL states (a URL without state counts as up)
 * @example
 * selectBackends(routeRequestFrom(req, headers, 20_000), registry.states(), {
 *   mode: config.mode, rules: config.rules, backends: registry.backends,
 *   affinity: registry.affinity, now: Date.now(),
 * }) // { candidates: [{ backend, url }, ...], reason: 'auto: tools → mlx-textgen (toolRank)' }
 */
export function selectBackends(
  request: RouteRequest,
  states: readonly BackendState[],
  config: RouterConfig,
): RouteDecision {
  const stateOf = new Map(states.map((s) => [`${s.name}\u0000${s.url}`, s]))
  const isDown = (b: Backend, url: string): boolean => {
    const s = stateOf.get(`${b.name}\u0000${url}`)
    // Down until retryAt; afterwards a candidate again (half-open).
    return s !== undefined && !s.up && (s.retryAt === undefined || s.retryAt > config.now)
  }
  const isUp = (b: Backend): boolean => b.urls.some((url) => !isDown(b, url))

  const { ordered, why, label } = order(request, config, isUp)

  // Up URLs (fewest in flight first) in backend order, then every down URL, in the same order.
  const up: Candidate[] = []
  const down: Candidate[] = []
  for (const backend of ordered) {
    const urls = backend.urls.map((url, i) => ({
      url,
      i,
      inFlight: stateOf.get(`${backend.name}\u0000${url}`)?.inFlight ?? 0,
    }))
    urls.sort((a, b) => a.inFlight - b.inFlight || a.i - b.i)
    for (const { url } of urls) (isDown(backend, url) ? down : up).push({ backend, url })
  }
  const candidates = [...up, ...down]

  const first = candidates[0]?.backend.name ?? 'none'
  const downNames = ordered.filter((b) => !isUp(b)).map((b) => b.name)
  let reason = `${label} → ${first}${why ? ` (${why})` : ''}`
  if (up.length === 0 && down.length > 0) reason += '; all down, trying each in order'
  else if (downNames.length > 0) reason += `; down, tried last: ${downNames.join(', ')}`
  return { candidates, reason }
}

/** The backend order before URLs are expanded, with words for the reason. */
function order(
  request: RouteRequest,
  config: RouterConfig,
  isUp: (b: Backend) => boolean,
): { ordered: Backend[]; label: string; why?: string } {
  const all = config.backends
  const tools = request.hasTools
  const prefOrder = tools ? config.toolOrder : config.chatOrder
  const rank = tools ? 'toolRank' : 'speedRank'
  const basis = prefOrder?.length ? (tools ? 'toolOrder' : 'chatOrder') : rank

  if (config.mode !== 'auto') {
    const forced = all.filter((b) => matches(b, config.mode))
    if (forced.length > 0)
      return { ordered: sortByPreference(forced, prefOrder, tools), label: `mode=${config.mode}` }
  }
  const unknownMode = config.mode !== 'auto' ? `mode=${config.mode} matches no backend; ` : ''

  // Tool requests go to backends that can call tools, unless none can.
  const capable = all.filter((b) => b.tools !== 'none')
  const pool = tools && capable.length > 0 ? capable : [...all]
  const sorted = sortByPreference(pool, prefOrder, tools)
  const side = tools ? 'tools' : 'chat'
  const noToolNote = tools && capable.length === 0 ? ', no tool-capable backend' : ''

  for (const [i, rule] of config.rules.entries()) {
    const targets = all.filter((b) => matches(b, rule.backend))
    if (targets.length === 0 || !ruleMatches(rule, request)) continue
    const front = sortByPreference(targets, prefOrder, tools)
    return {
      ordered: [...front, ...sorted.filter((b) => !front.includes(b))],
      label: `${unknownMode}rule #${i} (${describeRule(rule)})`,
    }
  }

  if (request.sessionKey && config.affinity) {
    const name = config.affinity.get(affinityKey(request.sessionKey, tools))
    const affine = sorted.find((b) => b.name === name)
    if (affine && isUp(affine))
      return {
        ordered: [affine, ...sorted.filter((b) => b !== affine)],
        label: `${unknownMode}affinity session ${request.sessionKey}`,
        why: side,
      }
  }
  return { ordered: sorted, label: `${unknownMode}auto: ${side}`, why: `${basis}${noToolNote}` }
}

/** Claude Code 2.0.x: `user_<hash>_account_<uuid>_session_<uuid>`; 2.1.x: a JSON string. */
function sessionFromUserId(userId: string | null | undefined): string | undefined {
  if (!userId) return undefined
  const legacy = /_session_([0-9a-zA-Z-]+)$/.exec(userId)
  if (legacy) return legacy[1]
  if (!userId.startsWith('{')) return undefined
  try {
    const parsed = JSON.parse(userId) as { session_id?: unknown }
    return typeof parsed.session_id === 'string' && parsed.session_id !== ''
      ? parsed.session_id
      : undefined
  } catch {
    return undefined
  }
}

/**
 * Builds the router's view of a request.
 * @param headers request headers (any case; stored lower-cased)
 * @param tokenEstimate the prompt's estimated size in tokens
 */
export function routeRequestFrom(
  req: MessagesRequest,
  headers: Record<string, string>,
  tokenEstimate: number,
): RouteRequest {
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]))
  // Server tools (web_search_...) have no input_schema and are dropped before the backend.
  const hasTools = (req.tools ?? []).some((t) => t.input_schema != null)
  // Claude Code 2.1.x sends {type:'adaptive'} on every main request; only 'disabled' is off.
  const thinking = req.thinking != null && req.thinking.type !== 'disabled'
  const sessionKey = lower['x-claude-code-session-id'] || sessionFromUserId(req.metadata?.user_id)
  return {
    hasTools,
    model: req.model,
    thinking,
    headers: lower,
    tokenEstimate,
    ...(sessionKey && { sessionKey }),
  }
}
