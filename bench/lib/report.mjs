/**
 * @module bench/lib/report: the run's tables (stdout and bench/LATEST.md) and the target checks.
 */

export const TARGETS = [
  { key: 'ttftOverheadC1', label: 'added TTFT p50 at c=1', unit: 'ms', max: 2 },
  { key: 'cpuPer1000', label: 'proxy CPU per 1000 requests (worst step)', unit: 's', max: 5 },
  { key: 'throughputC64', label: 'throughput at c=64, % of direct', unit: '%', min: 90 },
  { key: 'rssC64', label: 'proxy peak RSS at c=64', unit: 'MB', max: 150 },
]

/** Target values from the steps (undefined when the step was not run). */
export function targetValues(steps) {
  const normal = steps.filter((s) => !s.long)
  const c1 = normal.find((s) => s.concurrency === 1)
  const c64 = normal.find((s) => s.concurrency === 64)
  const cpu = normal.map((s) => s.proxy.proc.cpuSPer1000).filter(Number.isFinite)
  const values = {
    ttftOverheadC1: c1?.ratios.ttftOverheadP50Ms,
    cpuPer1000: cpu.length ? Math.max(...cpu) : undefined,
    throughputC64: c64?.ratios.throughputPct,
    rssC64: c64?.proxy.proc.rssPeakMb,
  }
  return TARGETS.map((t) => {
    const v = values[t.key]
    const pass =
      v === undefined || v === null ? undefined : t.max !== undefined ? v <= t.max : v >= t.min
    return { ...t, value: v, pass }
  })
}

const fmt = (x, digits = 1) =>
  x === undefined || x === null || Number.isNaN(x) ? '–' : Number(x).toFixed(digits)
const trio = (s) => `${fmt(s.p50)} / ${fmt(s.p95)} / ${fmt(s.p99)}`

/** Rows for the side-by-side table, one per (step, path). */
export function stepRows(steps) {
  const header = [
    'step',
    'path',
    'req/s',
    'events/s',
    'TTFT p50/p95/p99 ms',
    'client run-queue wait p50 ms',
    'latency p50/p95/p99 ms',
    'ok',
    'failed',
    'proxy CPU s/1000 req',
    'proxy RSS peak MB',
  ]
  const rows = []
  for (const s of steps) {
    const name = `${s.long ? 'long ' : ''}c=${s.concurrency}`
    for (const [path, r] of [
      ['direct', s.direct],
      ['anyclaude', s.proxy],
    ]) {
      if (!r) continue
      rows.push([
        name,
        path,
        fmt(r.reqPerS),
        String(r.eventsPerS),
        trio(r.ttftMs),
        r.clientWaitMs ? fmt(r.clientWaitMs.p50, 2) : '',
        trio(r.latencyMs),
        String(r.ok),
        r.failed ? `${r.failed} ${JSON.stringify(r.failures)}` : '0',
        path === 'anyclaude' ? fmt(r.proc.cpuSPer1000, 2) : '',
        path === 'anyclaude' ? fmt(r.proc.rssPeakMb, 0) : '',
      ])
    }
  }
  return { header, rows }
}

export function ratioRows(steps) {
  const header = [
    'step',
    'added TTFT p50 / p95 ms',
    'throughput % of direct',
    'latency p50 ratio',
    'proxy CPU ms/request',
  ]
  const rows = steps
    .filter((s) => s.direct)
    .map((s) => [
      `${s.long ? 'long ' : ''}c=${s.concurrency}`,
      `${fmt(s.ratios.ttftOverheadP50Ms, 2)} / ${fmt(s.ratios.ttftOverheadP95Ms, 2)}`,
      `${fmt(s.ratios.throughputPct, 0)} %`,
      fmt(s.ratios.latencyP50Ratio, 2),
      fmt(s.proxy.proc.cpuSPer1000, 2),
    ])
  return { header, rows }
}

/** A fixed-width text table. */
export function textTable({ header, rows }) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)))
  const line = (cells) => cells.map((c, i) => c.padEnd(widths[i])).join('  ')
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n')
}

export function markdownTable({ header, rows }) {
  const esc = (c) => c.replaceAll('|', '\\|')
  const all = [header, ...rows].map((r) => r.map(esc))
  const widths = header.map((_, i) => Math.max(3, ...all.map((r) => r[i].length)))
  const line = (cells) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`
  return [line(all[0]), line(widths.map((w) => '-'.repeat(w))), ...all.slice(1).map(line)].join(
    '\n',
  )
}

export function targetLines(targets, md = false) {
  return targets.map((t) => {
    const mark = t.pass === undefined ? '–' : t.pass ? (md ? '✅' : 'PASS') : md ? '❌' : 'FAIL'
    const bound = t.max !== undefined ? `≤ ${t.max}` : `≥ ${t.min}`
    return `${md ? '- ' : '  '}${mark} ${t.label}: ${fmt(t.value, 2)} ${t.unit} (target ${bound} ${t.unit})`
  })
}
