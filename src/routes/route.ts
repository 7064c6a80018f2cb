/** @module routes/route: the router's decision for a request (shared by messages and count_tokens). */
import type { Context } from 'hono'
import type { BackendRegistry } from '../backends/registry.js'
import {
  type RouteDecision,
  type RouteRequest,
  routeRequestFrom,
  selectBackends,
} from '../backends/router.js'
import type { AppEnv } from '../types.js'

/** Builds the route request from the context and asks the (pure) router for candidates. */
export function route(
  c: Context<AppEnv>,
  registry: BackendRegistry,
  tokenEstimate: number,
): RouteDecision & { request: RouteRequest } {
  const config = c.get('config')
  const request = routeRequestFrom(
    c.get('request'),
    Object.fromEntries(c.req.raw.headers),
    tokenEstimate,
  )
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
