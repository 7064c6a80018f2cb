/** A scripted fake OpenAI-compatible backend, as an injected `fetch` (no sockets). */

export type FakeCall = {
  url: string
  body: Record<string, unknown>
  headers: Record<string, string>
  signal?: AbortSignal | null
  aborted: boolean
}

export type FakeReply = {
  status?: number
  contentType?: string
  /** SSE chunks: objects become `data: JSON`, strings are written raw. */
  chunks?: (Record<string, unknown> | string)[]
  /** A raw body instead of chunks. */
  body?: string
  /** Do not end with `data: [DONE]`. */
  noDone?: boolean
  /** Delay before the headers, and between chunks. */
  headerDelayMs?: number
  chunkDelayMs?: number
  /** Never send the headers (until aborted). */
  hang?: boolean
  /** Stop sending after this many chunks, without closing (stall), until aborted. */
  stallAfter?: number
  /** Error the body stream after this many chunks (connection lost mid-stream). */
  cutAfter?: number
  /** Reject the fetch like a refused connection. */
  refuse?: boolean
}

export type FakeHandler = (call: FakeCall) => FakeReply | Promise<FakeReply>

const sleep = (ms: number, signal?: AbortSignal | null) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason)
    const t = setTimeout(resolve, ms)
    signal?.addEventListener('abort', () => {
      clearTimeout(t)
      reject(signal.reason)
    })
  })

export const refused = () => {
  const err = new TypeError('fetch failed')
  ;(err as { cause?: unknown }).cause = Object.assign(
    new Error('connect ECONNREFUSED 127.0.0.1:1'),
    { code: 'ECONNREFUSED' },
  )
  return err
}

export function renderSse(reply: FakeReply): string[] {
  const frames = (reply.chunks ?? []).map((c) =>
    typeof c === 'string' ? c : `data: ${JSON.stringify(c)}\n\n`,
  )
  if (!reply.noDone) frames.push('data: [DONE]\n\n')
  return frames
}

/** @returns a fetch that answers by `handler`, with `.calls` recording every request. */
export function fakeFetch(handler: FakeHandler): typeof fetch & { calls: FakeCall[] } {
  const calls: FakeCall[] = []
  const f = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
    const signal = init?.signal
    const call: FakeCall = {
      url,
      body: init?.body
        ? (JSON.parse(
            typeof init.body === 'string'
              ? init.body
              : new TextDecoder().decode(init.body as Uint8Array),
          ) as Record<string, unknown>)
        : {},
      headers: Object.fromEntries(new Headers(init?.headers)),
      signal,
      aborted: false,
    }
    signal?.addEventListener('abort', () => {
      call.aborted = true
    })
    calls.push(call)
    const reply = await handler(call)
    if (reply.refuse) throw refused()
    if (reply.hang) {
      await sleep(1e9, signal)
    }
    if (reply.headerDelayMs) await sleep(reply.headerDelayMs, signal)
    const status = reply.status ?? 200
    if (reply.body !== undefined)
      return new Response(reply.body, {
        status,
        headers: { 'content-type': reply.contentType ?? 'application/json' },
      })
    const frames = renderSse(reply)
    const enc = new TextEncoder()
    let i = 0
    const stream = new ReadableStream<Uint8Array>({
      async pull(ctrl) {
        try {
          if (reply.cutAfter !== undefined && i >= reply.cutAfter) {
            ctrl.error(new TypeError('terminated'))
            return
          }
          if (reply.stallAfter !== undefined && i >= reply.stallAfter) {
            await sleep(1e9, signal)
          }
          if (i >= frames.length) {
            ctrl.close()
            return
          }
          if (reply.chunkDelayMs && i > 0) await sleep(reply.chunkDelayMs, signal)
          ctrl.enqueue(enc.encode(frames[i++]!))
        } catch (e) {
          ctrl.error(e)
        }
      },
    })
    signal?.addEventListener('abort', () => {
      try {
        stream.cancel().catch(() => {})
      } catch {}
    })
    return new Response(stream, {
      status,
      headers: { 'content-type': reply.contentType ?? 'text/event-stream' },
    })
  }
  return Object.assign(f as typeof fetch, { calls })
}

let n = 0
const base = () => ({
  id: `chatcmpl-${++n}`,
  object: 'chat.completion.chunk',
  created: 1,
  model: 'fake',
})

/** OpenAI chunks for a text answer. */
export function textChunks(
  pieces: string[],
  opts: { finish?: string | null; usage?: Record<string, unknown>; reasoning?: string[] } = {},
): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [
    {
      ...base(),
      choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }],
    },
  ]
  for (const r of opts.reasoning ?? [])
    out.push({
      ...base(),
      choices: [{ index: 0, delta: { reasoning_content: r }, finish_reason: null }],
    })
  for (const p of pieces)
    out.push({ ...base(), choices: [{ index: 0, delta: { content: p }, finish_reason: null }] })
  if (opts.finish !== null)
    out.push({
      ...base(),
      choices: [{ index: 0, delta: {}, finish_reason: opts.finish ?? 'stop' }],
    })
  if (opts.usage) out.push({ ...base(), choices: [], usage: opts.usage })
  return out
}

/** OpenAI chunks for tool calls, arguments streamed in fragments of `fragment` characters. */
export function toolCallChunks(
  calls: { id?: string; name: string; args: unknown }[],
  opts: { text?: string; fragment?: number; finish?: string } = {},
): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [
    {
      ...base(),
      choices: [
        { index: 0, delta: { role: 'assistant', content: opts.text ?? null }, finish_reason: null },
      ],
    },
  ]
  calls.forEach((c, index) => {
    const json = JSON.stringify(c.args)
    out.push({
      ...base(),
      choices: [
        {
          index: 0,
          delta: {
            tool_calls: [
              {
                index,
                id: c.id ?? `call_${index}`,
                type: 'function',
                function: { name: c.name, arguments: '' },
              },
            ],
          },
          finish_reason: null,
        },
      ],
    })
    const size = opts.fragment ?? 7
    for (let i = 0; i < json.length; i += size)
      out.push({
        ...base(),
        choices: [
          {
            index: 0,
            delta: { tool_calls: [{ index, function: { arguments: json.slice(i, i + size) } }] },
            finish_reason: null,
          },
        ],
      })
  })
  out.push({
    ...base(),
    choices: [{ index: 0, delta: {}, finish_reason: opts.finish ?? 'tool_calls' }],
  })
  return out
}
