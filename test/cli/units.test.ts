/** The CLI's pure parts, in-process: environment, exit codes, redaction, folding, diffs, recordings. */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { SUBCOMMANDS } from '../../src/cli-args.js'
import { helpText } from '../../src/cli-help.js'
import { loadConfig } from '../../src/config.js'
import { CLAUDE_ENV_DEFAULTS, claudeEnvironment, exitCodeOf } from '../../src/launcher.js'
import { diffLines, unifiedDiff } from '../../src/replay-diff.js'
import { foldAnswer, renderAnswer } from '../../src/replay-fold.js'
import { redact, teeResponse } from '../../src/trace.js'
import { parseRecording } from '../../src/trace-read.js'

describe('claudeEnvironment', () => {
  const proxy = { baseUrl: 'http://127.0.0.1:5000', authToken: 'anyclaude' }

  it('points Claude Code at the proxy and never passes a real key', () => {
    const env = claudeEnvironment(
      {
        PATH: '/bin',
        ANTHROPIC_API_KEY: 'sk-ant',
        ANTHROPIC_BASE_URL: 'https://api.anthropic.com',
        ANTHROPIC_AUTH_TOKEN: 'real',
        CLAUDE_CODE_USE_VERTEX: '1',
      },
      proxy,
    )
    expect(env).toEqual({
      PATH: '/bin',
      ANTHROPIC_BASE_URL: proxy.baseUrl,
      ANTHROPIC_AUTH_TOKEN: 'anyclaude',
      ...CLAUDE_ENV_DEFAULTS,
    })
  })

  it('keeps what the user set for the other variables (an empty value counts as unset)', () => {
    const env = claudeEnvironment(
      { ANTHROPIC_MODEL: 'qwen', CLAUDE_CODE_ATTRIBUTION_HEADER: '' },
      proxy,
    )
    expect(env.ANTHROPIC_MODEL).toBe('qwen')
    expect(env.ANTHROPIC_SMALL_FAST_MODEL).toBe('anyclaude-local')
    expect(env.CLAUDE_CODE_ATTRIBUTION_HEADER).toBe('0')
  })
})

describe('exitCodeOf', () => {
  it('passes codes through and maps signals like a shell', () => {
    expect(exitCodeOf(3, null)).toBe(3)
    expect(exitCodeOf(null, 'SIGTERM')).toBe(143)
    expect(exitCodeOf(null, 'SIGINT')).toBe(130)
  })
})

describe('config', () => {
  it('knows whether the port was asked for (the launcher takes any free port otherwise)', () => {
    expect(loadConfig({}, {}).portGiven).toBe(false)
    expect(loadConfig({ port: '9000' }, {}).portGiven).toBe(true)
    expect(loadConfig({}, { ANYCLAUDE_PORT: '0' }).portGiven).toBe(true)
    expect(loadConfig({}, { ANYCLAUDE_CLAUDE_BIN: '/opt/claude' }).claudeBin).toBe('/opt/claude')
  })
})

describe('redact', () => {
  it('hides keys at any depth, whatever their spelling', () => {
    expect(
      redact({
        headers: { authorization: 'Bearer x', 'x-api-key': 'k', accept: 'a' },
        backend: { apiKey: 'b', api_key: 'c', url: 'u' },
        list: [{ Authorization: 'y' }],
      }),
    ).toEqual({
      headers: { authorization: '[redacted]', 'x-api-key': '[redacted]', accept: 'a' },
      backend: { apiKey: '[redacted]', api_key: '[redacted]', url: 'u' },
      list: [{ Authorization: '[redacted]' }],
    })
  })
})

describe('teeResponse', () => {
  it('passes the body through and reports it whole', async () => {
    let seen: [string, boolean] | undefined
    const res = teeResponse(
      new Response('héllo wörld', { status: 201, headers: { 'x-a': '1' } }),
      (t, c) => {
        seen = [t, c]
      },
    )
    expect(res.status).toBe(201)
    expect(res.headers.get('x-a')).toBe('1')
    expect(await res.text()).toBe('héllo wörld')
    expect(seen).toEqual(['héllo wörld', true])
  })

  it('reports what arrived when the reader cancels', async () => {
    let seen: [string, boolean] | undefined
    const enc = new TextEncoder()
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(enc.encode('part'))
      },
    })
    const res = teeResponse(new Response(body), (t, c) => {
      seen = [t, c]
    })
    const reader = res.body!.getReader()
    await reader.read()
    await reader.cancel()
    expect(seen).toEqual(['part', false])
  })

  it('a stream cancelled right after its [DONE] (where anyclaude stops reading) was complete', async () => {
    for (const [text, complete] of [
      ['data: {"a":1}\n\ndata: [DONE]\n\n', true],
      ['data: {"a":1}\r\n\r\ndata: [DONE]\r\n\r\n', true],
      ['data: {"a":1}\n\ndata: [DONE]', false],
      ['data: {"content":"data: [DONE]"}\n\n', false],
    ] as const) {
      let seen: boolean | undefined
      const body = new ReadableStream<Uint8Array>({
        pull(c) {
          c.enqueue(new TextEncoder().encode(text))
        },
      })
      const reader = teeResponse(new Response(body), (_t, c) => {
        seen = c
      }).body!.getReader()
      await reader.read()
      await reader.cancel()
      expect(seen, text).toBe(complete)
    }
  })
})

const sse = (events: object[]) =>
  events
    .map((e) => `event: ${(e as { type: string }).type}\ndata: ${JSON.stringify(e)}\n\n`)
    .join('')

describe('foldAnswer and renderAnswer', () => {
  const stream = sse([
    { type: 'message_start', message: { id: 'msg_1', content: [], usage: {} } },
    { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
    {
      type: 'content_block_delta',
      index: 0,
      delta: { type: 'text_delta', text: 'Let me look.\nNow.' },
    },
    { type: 'content_block_stop', index: 0 },
    {
      type: 'content_block_start',
      index: 1,
      content_block: { type: 'tool_use', id: 't', name: 'Bash', input: {} },
    },
    {
      type: 'content_block_delta',
      index: 1,
      delta: { type: 'input_json_delta', partial_json: '{"command":' },
    },
    {
      type: 'content_block_delta',
      index: 1,
      delta: { type: 'input_json_delta', partial_json: '"ls"}' },
    },
    { type: 'content_block_stop', index: 1 },
    {
      type: 'message_delta',
      delta: { stop_reason: 'tool_use' },
      usage: { input_tokens: 5, output_tokens: 2 },
    },
    { type: 'message_stop' },
  ])

  it('folds a stream like the SDK and renders it without ids or usage', () => {
    const folded = foldAnswer({ status: 200, contentType: 'text/event-stream', body: stream })
    expect(folded.usage).toEqual({ input_tokens: 5, output_tokens: 2 })
    expect(renderAnswer(folded)).toEqual([
      'status 200, stop_reason tool_use',
      '── text',
      'Let me look.',
      'Now.',
      '── tool_use Bash',
      '{',
      '  "command": "ls"',
      '}',
    ])
  })

  it('renders the same message folded from JSON the same way', () => {
    const json = JSON.stringify({
      id: 'msg_2',
      content: [
        { type: 'text', text: 'Let me look.\nNow.' },
        { type: 'tool_use', id: 'x', name: 'Bash', input: { command: 'ls' } },
      ],
      stop_reason: 'tool_use',
    })
    expect(
      renderAnswer(foldAnswer({ status: 200, contentType: 'application/json', body: json })),
    ).toEqual(
      renderAnswer(foldAnswer({ status: 200, contentType: 'text/event-stream', body: stream })),
    )
  })

  it('keeps an error event and a stream cut short', () => {
    const cut =
      stream.slice(0, stream.indexOf('event: message_delta')) +
      sse([{ type: 'error', error: { type: 'api_error', message: 'boom' } }])
    const lines = renderAnswer(
      foldAnswer({ status: 200, contentType: 'text/event-stream', body: cut }),
    )
    expect(lines[0]).toBe('status 200, stop_reason none')
    expect(lines.slice(-2)).toEqual(['── error api_error', 'boom'])
    const errorBody = JSON.stringify({
      type: 'error',
      error: { type: 'overloaded_error', message: 'busy' },
    })
    expect(
      renderAnswer(foldAnswer({ status: 529, contentType: 'application/json', body: errorBody })),
    ).toEqual(['status 529, stop_reason none', '── error overloaded_error', 'busy'])
  })
})

describe('diffLines / unifiedDiff', () => {
  it('is empty for equal inputs', () => {
    expect(unifiedDiff(diffLines(['a', 'b'], ['a', 'b']), ['x', 'y'])).toBe('')
  })

  it('writes unified hunks with context', () => {
    const a = ['1', '2', '3', '4', '5', '6', '7', '8', '9']
    const b = ['1', '2', '3', '4', 'five', '6', '7', '8', '9', '10']
    expect(unifiedDiff(diffLines(a, b), ['old', 'new'], 1)).toBe(
      [
        '--- old',
        '+++ new',
        '@@ -4,3 +4,3 @@',
        ' 4',
        '-5',
        '+five',
        ' 6',
        '@@ -9,1 +9,2 @@',
        ' 9',
        '+10',
        '',
      ].join('\n'),
    )
  })

  it('finds the longest common subsequence in the middle', () => {
    const ops = diffLines(['a', 'x', 'b', 'c'], ['a', 'b', 'y', 'c'])
    expect(ops.map((o) => `${o.op}${o.line}`)).toEqual([' a', '-x', ' b', '+y', ' c'])
  })
})

describe('parseRecording', () => {
  it('reads trace lines, capture lines and bare bodies', () => {
    const body = { model: 'm', max_tokens: 1, messages: [{ role: 'user', content: 'hi' }] }
    const text = [
      JSON.stringify({
        ts: 't',
        requestId: 'req_1',
        kind: 'anthropic-request',
        data: { headers: { 'x-claude-code-session-id': 's' }, body },
      }),
      JSON.stringify({
        ts: 't',
        requestId: 'req_1',
        kind: 'upstream-request',
        data: { body: { messages: [] } },
      }),
      JSON.stringify({
        ts: 't',
        requestId: 'req_1',
        kind: 'anthropic-stream',
        data: {
          status: 200,
          headers: { 'content-type': 'text/event-stream', 'x-anyclaude-backend': 'b' },
          body: 'data: {}\n\n',
        },
      }),
      JSON.stringify({ seq: 4, method: 'POST', path: '/v1/messages', headers: {}, body }),
      JSON.stringify({
        seq: 5,
        method: 'POST',
        path: '/v1/messages/count_tokens',
        headers: {},
        body,
      }),
      JSON.stringify({ seq: 6, method: 'HEAD', path: '/', headers: {}, body: null }),
      JSON.stringify(body),
      '',
    ].join('\n')
    const exchanges = parseRecording(text, 'f.jsonl')
    expect(exchanges.map((e) => e.id)).toEqual(['req_1', '4', 'f.jsonl:7'])
    expect(exchanges[0]!.headers['x-claude-code-session-id']).toBe('s')
    expect(exchanges[0]!.upstream).toHaveLength(1)
    expect(exchanges[0]!.answer).toEqual({
      status: 200,
      contentType: 'text/event-stream',
      body: 'data: {}\n\n',
      backend: 'b',
    })
  })

  it('names the line that is not JSON', () => {
    expect(() => parseRecording('{}\nnot json\n', 'x.jsonl')).toThrow(/x\.jsonl:2: not JSON/)
  })
})

describe('--help', () => {
  it('names every environment variable config.ts reads, and every subcommand', () => {
    const source = readFileSync(new URL('../../src/config.ts', import.meta.url), 'utf8')
    const names = [...source.matchAll(/env\.([A-Z_]+)/g)].map((m) => m[1]!)
    expect(names.length).toBeGreaterThan(10)
    const help = helpText()
    for (const name of new Set(names)) expect(help).toContain(name)
    for (const sub of SUBCOMMANDS) expect(help).toContain(`anyclaude ${sub}`)
    for (const flag of [
      '--port',
      '--host',
      '--mode',
      '--config',
      '--debug',
      '--proxy-only',
      '--help',
      '--version',
    ])
      expect(help).toContain(flag)
  })
})
