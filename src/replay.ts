/**
 * @module replay: `anyclaude replay <trace.jsonl> [--url URL] [--id REQUEST_ID]` re-sends a traced
 * Anthropic request to the current backends (in-process, or a running proxy with `--url`) and shows
 * how the new answer differs from the traced one, as a diff of the folded messages.
 */
import { type CommandIO, commandIO } from './cli-io.js'
import type { Config } from './config.js'
import { createLocalApp } from './doctor-app.js'
import { diffLines, unifiedDiff } from './replay-diff.js'
import { foldAnswer, renderAnswer } from './replay-fold.js'
import { createUpstreamFetch } from './server.js'
import { type RecordedExchange, RecordingError, readRecordings } from './trace-read.js'

/** Request headers worth sending again: the router reads the session id; the rest shape the request. */
const REPLAYED_HEADERS = [
  'anthropic-version',
  'anthropic-beta',
  'x-claude-code-session-id',
  'user-agent',
  'x-app',
]

export type ReplayIO = CommandIO & {
  /** Upstream fetch for the in-process app; the real one by default. */
  fetch?: typeof fetch
  /** For `--url` (global fetch by default). */
  clientFetch?: typeof fetch
}

const usage =
  'usage: anyclaude replay <trace.jsonl> [--url http://127.0.0.1:8082] [--id REQUEST_ID]'

type Answer = { status: number; contentType: string; body: string; backend?: string }

async function sendAgain(
  config: Config,
  ex: RecordedExchange,
  url: string | undefined,
  io: ReplayIO,
): Promise<Answer> {
  const headers: Record<string, string> = {}
  for (const h of REPLAYED_HEADERS) if (ex.headers[h]) headers[h] = ex.headers[h]
  let res: Response
  if (url) {
    const key = config.apiKey ?? 'anyclaude'
    res = await (io.clientFetch ?? fetch)(`${url.replace(/\/+$/, '')}/v1/messages`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json', 'x-api-key': key },
      body: JSON.stringify(ex.body),
    })
  } else {
    const local = await createLocalApp(config, io.fetch ?? createUpstreamFetch(config))
    try {
      res = await local.send(ex.body, { headers })
      // Read it before the registry stops: the body streams from the backend.
      const body = await res.text()
      return answerOf(res, body)
    } finally {
      local.registry.stop()
    }
  }
  return answerOf(res, await res.text())
}

const answerOf = (res: Response, body: string): Answer => ({
  status: res.status,
  contentType: res.headers.get('content-type') ?? '',
  body,
  ...(res.headers.get('x-anyclaude-backend') && {
    backend: res.headers.get('x-anyclaude-backend')!,
  }),
})

const usageLine = (u: Record<string, unknown> | undefined): string =>
  u
    ? `input ${u.input_tokens ?? '?'}, cached ${u.cache_read_input_tokens ?? 0}, output ${u.output_tokens ?? '?'}`
    : 'no usage'

/**
 * Runs `anyclaude replay`. Exit code like diff(1): 0 when the folded answers are equal, 1 when they
 * differ, 2 when the trace cannot be used or the request cannot be sent.
 */
export async function runReplay(
  config: Config,
  args: readonly string[],
  io: ReplayIO = {},
): Promise<number> {
  const { out, err, colors } = commandIO(io)
  const files: string[] = []
  let url: string | undefined
  let id: string | undefined
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!
    const eq = a.indexOf('=')
    const name = a.startsWith('--') && eq > 0 ? a.slice(0, eq) : a
    const value = () => (eq > 0 && name !== a ? a.slice(eq + 1) : args[++i])
    if (name === '--url') url = value()
    else if (name === '--id') id = value()
    else if (a.startsWith('-')) {
      err(`anyclaude replay: unknown option ${a}\n${usage}\n`)
      return 2
    } else files.push(a)
  }
  if (
    files.length === 0 ||
    (url === undefined && args.includes('--url')) ||
    (id === undefined && args.includes('--id'))
  ) {
    err(`${usage}\n`)
    return 2
  }
  let exchanges: RecordedExchange[]
  try {
    exchanges = readRecordings(files)
  } catch (e) {
    if (e instanceof RecordingError) {
      err(`anyclaude replay: ${e.message}\n`)
      return 2
    }
    throw e
  }
  const ex = id ? exchanges.find((x) => x.id === id) : exchanges[0]
  if (!ex) {
    err(
      `anyclaude replay: ${id ? `no request ${id} in ${files.join(', ')}` : `no Anthropic request in ${files.join(', ')}`}\n`,
    )
    return 2
  }
  if (!id && exchanges.length > 1)
    err(
      `anyclaude replay: ${exchanges.length} requests found; replaying the first (${ex.id}); pick another with --id\n`,
    )

  out(`replaying ${ex.id} (${ex.source}) ${url ? `through ${url}` : 'in-process'}\n`)
  let now: Answer
  try {
    now = await sendAgain(config, ex, url, io)
  } catch (e) {
    err(`anyclaude replay: the request failed: ${(e as Error).message}\n`)
    return 2
  }
  const after = foldAnswer(now)
  const afterLines = renderAnswer(after)
  out(`now:    ${now.backend ? `backend ${now.backend}, ` : ''}${usageLine(after.usage)}\n`)
  if (!ex.answer) {
    out(`the trace holds no answer to compare with; the new answer:\n\n${afterLines.join('\n')}\n`)
    return 0
  }
  const before = foldAnswer(ex.answer)
  out(
    `traced: ${ex.answer.backend ? `backend ${ex.answer.backend}, ` : ''}${usageLine(before.usage)}\n\n`,
  )
  const diff = unifiedDiff(diffLines(renderAnswer(before), afterLines), [
    'traced answer',
    'new answer',
  ])
  if (!diff) {
    out(colors.green('no difference in the folded messages\n'))
    return 0
  }
  out(
    diff
      .split('\n')
      .map((l) =>
        l.startsWith('+') && !l.startsWith('+++')
          ? colors.green(l)
          : l.startsWith('-') && !l.startsWith('---')
            ? colors.red(l)
            : l.startsWith('@@')
              ? colors.cyan(l)
              : l,
      )
      .join('\n'),
  )
  return 1
}
