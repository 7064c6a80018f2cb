/** @module routes/route: the router's decision for a request (shared by messages and count_tokens). */
import type { Context } from 'hono'
import type { BackendRegistry } from '../backends/registry.js'
import {
  type RouteDecision,
  type RouteRequest,
  routeRequestFrom,
  selectBackends,
} from '../backends/router.js'
import type { RoutingRule } from '../config.js'
import type { AppEnv } from '../types.js'

const SESSION_HEADER = 'x-claude-code-session-id'
const namesByRules = new WeakMap<readonly RoutingRule[], string[]>()

/**
 * The headers the router can look at: the session id and those named by rules. Copying them all
 * cost ~40 µs a request (node-server builds, then sorts, a Headers object to iterate).
 */
function headerNames(rules: readonly RoutingRule[]): string[] {
  let names = namesByRules.get(rules)
  if (!names) {
    const all = rules.flatMap((r) => Object.keys(r.header ?? {}).map((n) => n.toLowerCase()))
    names = [...new Set([SESSION_HEADER, ...all])]
    namesByRules.set(rules, names)
  }
  return names
}

/** Builds the route request from the context and asks the (pure) router for candidates. */
export function route(
  c: Context<AppEnv>,
  registry: BackendRegistry,
  tokenEstimate: number,
): RouteDecision & { request: RouteRequest } {
  const config = c.get('config')
  const headers: Record<string, string> = {}
  for (const name of headerNames(config.rules)) {
    const value = c.req.header(name)
    if (value !== undefined) headers[name] = value
  }
  const request = routeRequestFrom(c.get('request'), headers, tokenEstimate)
  request.hasTools = c.get('upstream').hasTools
  const decision = selectBackends(request, registry.states(), {
    mode: config.mode,
    rules: config.rules,
    backends: registry.backends,
    toolOrder: config.toolOrder,
    chatOrder: config.chatOrder,
    affinity: registry.affinity,
    now: c.get('deps').now(),
  })
  return { ...decision, request }
}
