/**
 * @module check-cache: `anyclaude check-cache <file|folder>...` reports, for each follow-up request
 * of a session, how much of the translated upstream prompt it shares with the previous request:
 * the part a backend's KV cache can reuse. Reads trace files, the recorder's capture files or bare
 * request bodies (trace-read.ts); the comparison is translate/prefix-check.ts.
 */
import pc from 'picocolors'
import { effectiveBackend } from './backends/effective.js'
import { resolveBackend, resolveBackends } from './backends/resolve.js'
import { BACKEND_KINDS, type Backend, type BackendKind } from './backends/types.js'
import { type Colors, type CommandIO, commandIO } from './cli-io.js'
import type { Config } from './config.js'
import { type MessagesRequest, MessagesRequestSchema } from './schemas/anthropic.js'
import { type RecordedExchange, RecordingError, readRecordings } from './trace-read.js'
import { checkCacheStability, type StabilityReport } from './translate/prefix-check.js'

export type CheckCacheIO = CommandIO

/** Requests that share one backend cache: a Claude Code session, split by tools (design.md's affinity). */
export type CacheGroup = {
  key: string
  label: string
  exchanges: RecordedExchange[]
  requests: MessagesRequest[]
}

const usage =
  'usage: anyclaude check-cache <requests.jsonl|trace folder>... [--mode BACKEND|KIND] [--json]'

/**
 * The backend whose translation is checked: `--mode` names a configured backend or a kind (the
 * kind's defaults then), else the first enabled backend. Nothing is probed.
 */
export function backendFor(config: Config): Backend {
  const configured = resolveBackends(config)
  const mode = config.mode
  const match = configured.find((b) => b.name === mode) ?? configured.find((b) => b.kind === mode)
  if (match) return effectiveBackend(match)
  if ((BACKEND_KINDS as readonly string[]).includes(mode))
    return effectiveBackend(
      resolveBackend({ kind: mode as BackendKind, url: 'http://127.0.0.1/v1' }),
    )
  const first = configured[0]
  if (!first) throw new RecordingError('no enabled backend in the configuration')
  return effectiveBackend(first)
}

/** Groups the valid requests by session id and by whether they carry tools, in order. */
export function groupExchanges(
  exchanges: readonly RecordedExchange[],
  warn: (m: string) => void,
): CacheGroup[] {
  const groups = new Map<string, CacheGroup>()
  for (const ex of exchanges) {
    const parsed = MessagesRequestSchema.safeParse(ex.body)
    if (!parsed.success) {
      warn(
        `${ex.id}: not an Anthropic request (${parsed.error.issues[0]?.path.join('.') || 'body'}: ${parsed.error.issues[0]?.message})`,
      )
      continue
    }
    const session = ex.headers['x-claude-code-session-id'] ?? ''
    const tools = (parsed.data.tools ?? []).length > 0
    const key = `${session}|${tools}`
    let group = groups.get(key)
    if (!group) {
      const who = session ? `session ${session.slice(0, 8)}` : 'requests without a session id'
      group = {
        key,
        label: `${who}, ${tools ? 'with tools' : 'without tools'}`,
        exchanges: [],
        requests: [],
      }
      groups.set(key, group)
    }
    group.exchanges.push(ex)
    group.requests.push(parsed.data)
  }
  return [...groups.values()]
}

const pct = (a: number, b: number): string => `${b === 0 ? '100.0' : ((100 * a) / b).toFixed(1)}%`
const n = (x: number): string => x.toLocaleString('en-US')

/** One line per follow-up. */
export function formatStability(
  group: CacheGroup,
  reports: readonly StabilityReport[],
  colors: Colors = pc,
): string[] {
  const lines = [
    colors.bold(
      `${group.label}: ${group.requests.length} request${group.requests.length === 1 ? '' : 's'}`,
    ),
  ]
  if (reports.length === 0) lines.push(colors.dim('  no follow-up to compare'))
  for (const r of reports) {
    const prev = group.exchanges[r.index - 1]!
    const next = group.exchanges[r.index]!
    const ok = r.extendsPrefix && r.systemAndToolsIdentical
    const mark = ok ? colors.green('✓') : colors.red('✗')
    const facts = [
      `${n(r.sharedBytes)} of ${n(r.prevBytes)} bytes shared (${pct(r.sharedBytes, r.prevBytes)})`,
      `${r.sharedMessages} of ${r.prevMessages} messages`,
      r.systemAndToolsIdentical ? 'system+tools identical' : colors.red('system or tools changed'),
    ]
    lines.push(`  ${mark} ${next.id} after ${prev.id}: ${facts.join(', ')}`)
    if (!r.systemAndToolsIdentical)
      lines.push(
        colors.red(
          '      the system prompt or the tools changed: the backend re-reads the whole prompt',
        ),
      )
    else if (!r.extendsPrefix)
      lines.push(
        colors.red(
          `      the prompt differs from message ${r.sharedMessages} on: the backend re-reads everything after it`,
        ),
      )
    for (const w of r.warnings) lines.push(colors.dim(`      warning: ${w}`))
  }
  return lines
}

/**
 * Runs `anyclaude check-cache`. Exit code 0 when every follow-up keeps the previous prompt as its
 * prefix, 1 when one breaks it, 2 when the input cannot be read.
 */
export async function runCheckCache(
  config: Config,
  args: readonly string[],
  io: CheckCacheIO = {},
): Promise<number> {
  const { out, err, colors } = commandIO(io)
  const files = args.filter((a) => !a.startsWith('-'))
  const json = args.includes('--json')
  const unknown = args.filter((a) => a.startsWith('-') && a !== '--json')
  if (unknown.length > 0 || files.length === 0) {
    err(
      `${unknown.length ? `anyclaude check-cache: unknown option ${unknown[0]}\n` : ''}${usage}\n`,
    )
    return 2
  }
  let exchanges: RecordedExchange[]
  let backend: Backend
  try {
    exchanges = readRecordings(files)
    backend = backendFor(config)
  } catch (e) {
    if (e instanceof RecordingError) {
      err(`anyclaude check-cache: ${e.message}\n`)
      return 2
    }
    throw e
  }
  const groups = groupExchanges(exchanges, (m) => err(`anyclaude check-cache: skipped ${m}\n`))
  if (groups.length === 0) {
    err(`anyclaude check-cache: no Anthropic requests in ${files.join(', ')}\n`)
    return 2
  }
  const opts = {
    stripBillingHeader: config.stripBillingHeader,
    model: backend.model ?? 'local-model',
    stream: true,
  }
  const results = groups.map((g) => ({
    group: g,
    reports: checkCacheStability(g.requests, backend, opts),
  }))
  const all = results.flatMap((r) => r.reports)
  const broken = all.filter((r) => !r.extendsPrefix || !r.systemAndToolsIdentical).length

  if (json) {
    out(
      `${JSON.stringify(
        {
          backend: { name: backend.name, kind: backend.kind },
          groups: results.map(({ group, reports }) => ({
            label: group.label,
            requests: group.exchanges.map((e) => e.id),
            followUps: reports.map((r) => ({
              ...r,
              id: group.exchanges[r.index]?.id,
              previous: group.exchanges[r.index - 1]?.id,
            })),
          })),
        },
        null,
        2,
      )}\n`,
    )
    return broken > 0 ? 1 : 0
  }
  out(
    `translated for ${backend.name} (${backend.kind}); ${exchanges.length} request${exchanges.length === 1 ? '' : 's'} in ${groups.length} group${groups.length === 1 ? '' : 's'}\n\n`,
  )
  for (const { group, reports } of results)
    out(`${formatStability(group, reports, colors).join('\n')}\n\n`)
  const summary = `${all.length - broken} of ${all.length} follow-up${all.length === 1 ? '' : 's'} keep the previous prompt as their prefix`
  out(`${broken > 0 ? colors.red(summary) : colors.green(summary)}\n`)
  return broken > 0 ? 1 : 0
}
