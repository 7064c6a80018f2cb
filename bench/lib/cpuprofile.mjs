/**
 * @module bench/lib/cpuprofile: summarises a V8 `.cpuprofile` (from `node --cpu-prof`): self time
 * and total (inclusive) time per function, and self time per package / area, as % of busy time
 * (everything but `(idle)`).
 */
import { readFileSync } from 'node:fs'

const SPECIAL = new Set(['(root)', '(program)', '(idle)', '(garbage collector)'])

/** Where a frame's code lives: a package, an anyclaude file, a Node internal area, or native. */
export function areaOf(url, functionName) {
  if (!url) return SPECIAL.has(functionName) ? functionName : '(native / V8 builtins)'
  const nm = url.lastIndexOf('/node_modules/')
  if (nm >= 0) {
    const rest = url.slice(nm + 14).split('/')
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]
  }
  if (url.includes('/dist/')) return `anyclaude dist/${url.slice(url.lastIndexOf('/dist/') + 6)}`
  if (url.startsWith('node:internal/webstreams') || url.startsWith('node:internal/deps/undici'))
    return url.startsWith('node:internal/webstreams') ? 'node: web streams' : 'node: bundled undici'
  if (url.startsWith('node:internal/streams') || url.startsWith('node:stream'))
    return 'node: streams'
  if (
    url.startsWith('node:_http') ||
    url.startsWith('node:http') ||
    url.startsWith('node:internal/http')
  )
    return 'node: http'
  if (
    url.startsWith('node:net') ||
    url.startsWith('node:internal/stream_base') ||
    url.startsWith('node:internal/net')
  )
    return 'node: net'
  if (url.startsWith('node:'))
    return `node: ${
      url
        .slice(5)
        .replace(/^internal\//, '')
        .split('/')[0]
    }`
  return url
}

const shortUrl = (url) => {
  if (!url) return ''
  const nm = url.lastIndexOf('/node_modules/')
  if (nm >= 0) return url.slice(nm + 14)
  const d = url.lastIndexOf('/dist/')
  if (d >= 0) return `dist/${url.slice(d + 6)}`
  return url.replace(/^file:\/\//, '')
}

/**
 * @param window {{ fromUs?: number, toUs?: number }} only samples in this interval of the
 *   monotonic clock (V8's profile timestamps and `process.hrtime` share CLOCK_MONOTONIC, in µs),
 *   e.g. the measured window without startup and warm-up
 * @returns {{ totalMs, busyMs, idleMs, self: Array, inclusive: Array, areas: Array }}
 */
export function summarizeProfile(path, top = 30, window = {}) {
  const prof = JSON.parse(readFileSync(path, 'utf8'))
  const byId = new Map()
  const parent = new Map()
  for (const n of prof.nodes) byId.set(n.id, n)
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  const keyOf = (n) => {
    const f = n.callFrame
    if (SPECIAL.has(f.functionName)) return f.functionName
    return `${f.functionName || '(anonymous)'} ${shortUrl(f.url)}${f.url ? `:${f.lineNumber + 1}` : ''}`
  }
  const self = new Map()
  const inclusive = new Map()
  const areas = new Map()
  let total = 0
  let idle = 0
  const { samples, timeDeltas } = prof
  const fromUs = window.fromUs ?? Number.NEGATIVE_INFINITY
  const toUs = window.toUs ?? Number.POSITIVE_INFINITY
  let at = prof.startTime
  for (let i = 0; i < samples.length; i++) {
    at += timeDeltas[i]
    if (at < fromUs || at > toUs) continue
    // A sample lasts until the next one (the DevTools convention).
    const us = i + 1 < timeDeltas.length ? timeDeltas[i + 1] : 0
    const node = byId.get(samples[i])
    if (!node) continue
    total += us
    const name = node.callFrame.functionName
    if (name === '(idle)') {
      idle += us
      continue
    }
    const key = keyOf(node)
    self.set(key, (self.get(key) ?? 0) + us)
    const area = areaOf(node.callFrame.url, name)
    areas.set(area, (areas.get(area) ?? 0) + us)
    const seen = new Set()
    for (let id = node.id; id !== undefined; id = parent.get(id)) {
      const k = keyOf(byId.get(id))
      if (k === '(root)' || seen.has(k)) continue
      seen.add(k)
      inclusive.set(k, (inclusive.get(k) ?? 0) + us)
    }
  }
  const busy = total - idle
  const rows = (map, n) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, us]) => ({
        name,
        ms: Math.round(us / 100) / 10,
        pct: Math.round((us / busy) * 1000) / 10,
      }))
  return {
    totalMs: Math.round(total / 1000),
    busyMs: Math.round(busy / 1000),
    idleMs: Math.round(idle / 1000),
    self: rows(self, top),
    inclusive: rows(inclusive, top * 2),
    areas: rows(areas, 40),
  }
}

/** Plain-text report of a summary. */
export function formatProfile(s, { requests } = {}) {
  const per = requests
    ? ` (${((s.busyMs / requests) * 1000).toFixed(0)} µs busy per request over ${requests} requests)`
    : ''
  const lines = [`busy ${s.busyMs} ms of ${s.totalMs} ms sampled${per}`, '', 'self time by area:']
  for (const r of s.areas)
    lines.push(`  ${r.pct.toFixed(1).padStart(5)} %  ${String(r.ms).padStart(8)} ms  ${r.name}`)
  lines.push('', 'top self time:')
  for (const r of s.self)
    lines.push(`  ${r.pct.toFixed(1).padStart(5)} %  ${String(r.ms).padStart(8)} ms  ${r.name}`)
  lines.push('', 'top total (inclusive) time:')
  for (const r of s.inclusive)
    lines.push(`  ${r.pct.toFixed(1).padStart(5)} %  ${String(r.ms).padStart(8)} ms  ${r.name}`)
  return lines.join('\n')
}

/**
 * The call paths (up to `depth` frames) that lead to functions whose name contains `needle`,
 * weighted by the self + child time spent below them: where a cost comes from.
 */
export function callersOf(path, needle, { depth = 6, top = 12, fromUs, toUs } = {}) {
  const prof = JSON.parse(readFileSync(path, 'utf8'))
  const byId = new Map(prof.nodes.map((n) => [n.id, n]))
  const parent = new Map()
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  const name = (n) =>
    `${n.callFrame.functionName || '(anonymous)'} ${shortUrl(n.callFrame.url)}${n.callFrame.url ? `:${n.callFrame.lineNumber + 1}` : ''}`
  const paths = new Map()
  let at = prof.startTime
  for (let i = 0; i < prof.samples.length; i++) {
    at += prof.timeDeltas[i]
    if ((fromUs !== undefined && at < fromUs) || (toUs !== undefined && at > toUs)) continue
    const us = i + 1 < prof.timeDeltas.length ? prof.timeDeltas[i + 1] : 0
    // The innermost matching frame, then its callers.
    let id = prof.samples[i]
    while (id !== undefined && !name(byId.get(id)).includes(needle)) id = parent.get(id)
    if (id === undefined) continue
    const chain = []
    for (let k = 0; k < depth && id !== undefined; k++, id = parent.get(id))
      chain.push(name(byId.get(id)))
    const key = chain.join('\n    ← ')
    paths.set(key, (paths.get(key) ?? 0) + us)
  }
  return [...paths.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([chain, us]) => `${(us / 1000).toFixed(1).padStart(8)} ms  ${chain}`)
    .join('\n')
}
