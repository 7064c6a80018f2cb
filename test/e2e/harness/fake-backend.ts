/**
 * @module test/e2e/harness/fake-backend: scripted OpenAI-compatible servers (real sockets, port 0)
 * that answer the way MLX-Textgen, mlx-lm and LM Studio do (protocol.md §7.1–7.3, §7.9), record
 * every request body, and notice when a client goes away before the answer is complete.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'

export type FakeStyle = 'mlx-textgen' | 'mlx-lm' | 'lmstudio'

/** A tool call the fake "model" makes. */
export type ToolCall = { name: string; arguments: Record<string, unknown> }

/** What the fake model answers; the fake's style decides how it goes on the wire. */
export type Answer = {
  text?: string
  reasoning?: string
  toolCalls?: ToolCall[]
  /**
   * `native` (default): `tool_calls` as the server parses them. `hermes` / `qwen3-coder`: the
   * call stays in `content` as the model wrote it, which is what mlx-lm does when it does not
   * recognise the chat template ("Received tools but model does not support tool calling",
   * mlx-lm#1885): only anyclaude's text rescue turns it into a tool_use.
   */
  toolFormat?: 'native' | 'hermes' | 'qwen3-coder'
  /** Pause between streamed chunks (slow generation). */
  chunkDelayMs?: number
  /** Split the text into this many chunks (default 3). */
  textChunks?: number
  /** Drop the connection after this many stream chunks (the server crashed mid-answer). */
  cutAfterChunks?: number
}

export type ChatMessage = {
  role: string
  content?: unknown
  tool_calls?: { id?: string; function?: { name?: string; arguments?: string } }[]
  tool_call_id?: string
}
export type ChatBody = {
  model?: string
  messages: ChatMessage[]
  tools?: { function?: { name?: string } }[]
  stream?: boolean
  stream_options?: { include_usage?: boolean }
  [key: string]: unknown
}

export type RecordedRequest = {
  method: string
  path: string
  body: ChatBody
  receivedAt: number
  /** The client closed the connection before the answer was complete. */
  aborted: boolean
  /** The answer was sent completely. */
  finished: boolean
  /** Resolves when the response is over, either way. */
  settled: Promise<void>
}

export type Script = (body: ChatBody) => Answer

type Chunk = Record<string, unknown> | string

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

/** The text of an OpenAI message content (string or parts). */
export function textOf(content: unknown): string {
  if (typeof content === 'string') return content
  if (Array.isArray(content))
    return content
      .map((p) => (p && typeof p === 'object' && 'text' in p ? String(p.text) : ''))
      .join('')
  return ''
}

const TOOL_RESPONSE = /<tool_response>\n?([\s\S]*?)\n?<\/tool_response>/g

/**
 * Tool results in a message: a `tool` message, or a user message of `<tool_response>` blocks (how
 * anyclaude replays history to MLX-Textgen, whose tool-less templates lose native tool turns, §7.2).
 */
function resultsIn(m: ChatMessage): string[] | undefined {
  if (m.role === 'tool') return [textOf(m.content)]
  const text = textOf(m.content)
  if (m.role === 'user' && text.trimStart().startsWith('<tool_response>'))
    return [...text.matchAll(TOOL_RESPONSE)].map((x) => x[1] ?? '')
  return undefined
}

/** Where the current user turn starts: the last user message that is not a tool-result follow-up. */
function promptIndex(messages: ChatMessage[]): number {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i]!
    const prev = messages[i - 1]
    if (m.role !== 'user' || resultsIn(m)) continue
    if (prev && (resultsIn(prev) || (prev.role === 'assistant' && prev.tool_calls?.length)))
      continue
    return i
  }
  return -1
}

/**
 * The state of the conversation's current turn as the backend sees it.
 * @returns `rounds`: assistant answers since the prompt; `toolResults`: the results after the
 * last assistant answer (empty when the last thing is the user's prompt)
 */
export function turnOf(body: ChatBody): { prompt: string; rounds: number; toolResults: string[] } {
  const msgs = body.messages
  const start = promptIndex(msgs)
  const prompt = start >= 0 ? textOf(msgs[start]!.content) : ''
  const after = msgs.slice(start + 1)
  const rounds = after.filter((m) => m.role === 'assistant').length
  let lastAssistant = -1
  after.forEach((m, i) => {
    if (m.role === 'assistant') lastAssistant = i
  })
  const toolResults =
    lastAssistant < 0 ? [] : after.slice(lastAssistant + 1).flatMap((m) => resultsIn(m) ?? [])
  return { prompt, rounds, toolResults }
}

/** Every tool call in the history: native `tool_calls`, or `<tool_call>` JSON text (MLX-Textgen history). */
export function historyCalls(body: ChatBody): ToolCall[] {
  const calls: ToolCall[] = []
  for (const m of body.messages) {
    if (m.role !== 'assistant') continue
    for (const c of m.tool_calls ?? [])
      calls.push({
        name: c.function?.name ?? '',
        arguments: JSON.parse(c.function?.arguments || '{}'),
      })
    for (const x of textOf(m.content).matchAll(/<tool_call>\s*(\{[\s\S]*?\})\s*<\/tool_call>/g)) {
      const parsed = JSON.parse(x[1]!) as { name: string; arguments: Record<string, unknown> }
      calls.push({ name: parsed.name, arguments: parsed.arguments })
    }
  }
  return calls
}

/** Every tool result in the history, in order. */
export function historyResults(body: ChatBody): string[] {
  return body.messages.flatMap((m) => resultsIn(m) ?? [])
}

/**
 * The usual script: answer `steps[n]` in the n-th round of the turn, then a final text that quotes
 * the tool results it was given (`TOOL_RESULT_SEEN: ...`), so Claude Code's result shows the tools ran.
 */
export function steps(list: Answer[], final?: (results: string[]) => Answer): Script {
  return (body) => {
    const { rounds, toolResults } = turnOf(body)
    const next = list[rounds]
    if (next) return next
    return final
      ? final(toolResults)
      : { text: `TOOL_RESULT_SEEN: ${toolResults.map((r) => r.trim()).join(' | ')}` }
  }
}

/** A call as a model writes it in text (protocol.md §7.9). */
function callAsText(call: ToolCall, format: 'hermes' | 'qwen3-coder'): string {
  if (format === 'hermes')
    return `<tool_call>\n${JSON.stringify({ name: call.name, arguments: call.arguments })}\n</tool_call>`
  const params = Object.entries(call.arguments)
    .map(
      ([k, v]) =>
        `<parameter=${k}>\n${typeof v === 'string' ? v : JSON.stringify(v)}\n</parameter>`,
    )
    .join('\n')
  return `<tool_call>\n<function=${call.name}>\n${params}\n</function>\n</tool_call>`
}

function split(text: string, parts: number): string[] {
  if (text === '') return []
  const size = Math.max(1, Math.ceil(text.length / parts))
  const out: string[] = []
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size))
  return out
}

const hex = (bytes: number) => randomBytes(bytes).toString('hex')

/**
 * One fake server. `script` decides each answer from the conversation received.
 * @example
 * const fake = new FakeBackend('mlx-textgen', steps([{ toolCalls: [{ name: 'Bash', arguments: { command: 'echo hi' } }] }]))
 * await fake.start()
 */
export class FakeBackend {
  readonly style: FakeStyle
  readonly model: string
  script: Script
  /** Every POST to the chat endpoint, in order (probes are not recorded). */
  readonly requests: RecordedRequest[] = []
  /** Requests answered by the script; later ones get a plain text that ends the turn. */
  requestLimit = 25
  #server: Server | undefined
  #sockets = new Set<Socket>()
  #port = 0

  constructor(style: FakeStyle, script: Script = steps([]), model = `fake-${style}-model`) {
    this.style = style
    this.script = script
    this.model = model
  }

  get port(): number {
    return this.#port
  }

  get url(): string {
    return `http://127.0.0.1:${this.#port}/v1`
  }

  /** The chat completion requests received (an alias of `requests`, for reading tests). */
  get chats(): RecordedRequest[] {
    return this.requests
  }

  /** Listens on `port` (0: any free port; a later `start()` reuses the first port). */
  async start(port = this.#port): Promise<void> {
    const server = createServer((req, res) => void this.#handle(req, res))
    server.on('connection', (s) => {
      this.#sockets.add(s)
      s.on('close', () => this.#sockets.delete(s))
    })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, '127.0.0.1', () => resolve())
    })
    const addr = server.address()
    this.#port = typeof addr === 'object' && addr ? addr.port : port
    this.#server = server
  }

  /** Stops listening and drops every open connection, like a server process that died. */
  async stop(): Promise<void> {
    const server = this.#server
    if (!server) return
    this.#server = undefined
    const closed = new Promise<void>((resolve) => server.close(() => resolve()))
    for (const s of this.#sockets) s.destroy()
    await closed
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]!
    let raw = ''
    for await (const piece of req) raw += piece
    if (req.method === 'GET') {
      const [status, value] = this.#get(path)
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(JSON.stringify(value))
      return
    }
    if (req.method !== 'POST' || !path.endsWith('/chat/completions')) {
      res.writeHead(404, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ error: 'Not Found' }))
      return
    }
    let body: ChatBody
    try {
      body = JSON.parse(raw) as ChatBody
    } catch {
      res.writeHead(400, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ error: 'Invalid JSON in request body' }))
      return
    }
    let settle = () => {}
    const record: RecordedRequest = {
      method: 'POST',
      path,
      body,
      receivedAt: Date.now(),
      aborted: false,
      finished: false,
      settled: new Promise<void>((r) => {
        settle = r
      }),
    }
    this.requests.push(record)
    res.on('close', () => {
      // `close` before `end()` completed: the client (anyclaude) hung up mid-answer.
      if (!res.writableFinished) record.aborted = true
      settle()
    })
    res.on('finish', () => {
      record.finished = true
    })
    // MLX-Textgen: `max_tokens: Field(default=4096, ge=1, le=32000)`, so FastAPI answers 422 outside.
    const max = body.max_tokens
    if (this.style === 'mlx-textgen' && typeof max === 'number' && (max < 1 || max > 32_000)) {
      res.writeHead(422, { 'content-type': 'application/json' })
      res.end(
        JSON.stringify({
          detail: [
            {
              type: 'less_than_equal',
              loc: ['body', 'max_tokens'],
              msg: 'Input should be less than or equal to 32000',
              input: max,
            },
          ],
        }),
      )
      return
    }
    let answer: Answer
    try {
      // A script that never finishes the turn would keep Claude Code looping at full speed.
      answer =
        this.requests.length > this.requestLimit
          ? { text: 'FAKE BACKEND: REQUEST LIMIT REACHED' }
          : this.script(body)
      this.#nativeCalls(answer)
    } catch (e) {
      res.writeHead(500, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ error: `fake backend script failed: ${(e as Error).message}` }))
      return
    }
    if (body.stream) await this.#stream(res, body, answer)
    else this.#json(res, body, answer)
  }

  /** GET endpoints: what anyclaude's probe reads (`/v1/models` and each server's own). */
  #get(path: string): [number, unknown] {
    const created = Math.floor(Date.now() / 1000)
    const list = (data: unknown[]) => [200, { object: 'list', data }] as [number, unknown]
    if (path === '/v1/models') {
      // The /v1/models entry shapes are what anyclaude's detection fingerprints (detect.ts).
      if (this.style === 'mlx-textgen')
        // MLX-Textgen: {id, object, created, owned_by: null, permission: [], root: 'root'} (engine.py).
        return list([
          {
            id: this.model,
            object: 'model',
            created,
            owned_by: null,
            permission: [],
            root: 'root',
          },
        ])
      if (this.style === 'mlx-lm')
        // mlx-lm: {id, object, created} only, one per MLX repo in the HF cache (server.py).
        return list([{ id: this.model, object: 'model', created }])
      return list([{ id: this.model, object: 'model', owned_by: 'organization_owner' }])
    }
    // mlx-lm: GET /health → {"status": "ok"}.
    if (path === '/health' && this.style === 'mlx-lm') return [200, { status: 'ok' }]
    // LM Studio: /api/v0/models lists downloaded models with state and context lengths.
    if (path === '/api/v0/models' && this.style === 'lmstudio')
      return list([
        {
          id: this.model,
          object: 'model',
          type: 'llm',
          publisher: 'fake',
          arch: 'qwen3',
          compatibility_type: 'gguf',
          quantization: 'Q4_K_M',
          state: 'loaded',
          max_context_length: 262144,
          loaded_context_length: 131072,
        },
      ])
    return [404, { error: 'Not Found' }]
  }

  #json(res: ServerResponse, body: ChatBody, answer: Answer): void {
    const calls = this.#nativeCalls(answer)
    const text = this.#content(answer)
    const message: Record<string, unknown> = {
      role: 'assistant',
      content: calls.length ? null : text,
    }
    if (calls.length) message.tool_calls = calls.map((c, i) => this.#wireCall(c, i, false))
    if (this.style === 'mlx-lm') message.reasoning = answer.reasoning ?? ''
    const finish = calls.length ? 'tool_calls' : 'stop'
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(
      JSON.stringify({
        id: `chatcmpl-${randomUUID()}`,
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: body.model ?? this.model,
        choices: [{ index: 0, message, finish_reason: finish }],
        usage: { prompt_tokens: 1000, completion_tokens: 20, total_tokens: 1020 },
      }),
    )
  }

  /** Calls the server itself parsed (the others stay in `content`). */
  #nativeCalls(answer: Answer): ToolCall[] {
    const calls = answer.toolCalls ?? []
    if (answer.toolFormat && answer.toolFormat !== 'native') return []
    // MLX-Textgen: guided decoding stops after one call, so one call per answer (§7.2).
    if (this.style === 'mlx-textgen' && calls.length > 1)
      throw new Error('MLX-Textgen answers with at most one tool call')
    return calls
  }

  #content(answer: Answer): string {
    const calls = answer.toolCalls ?? []
    const fmt = answer.toolFormat
    const asText = fmt && fmt !== 'native' ? calls.map((c) => callAsText(c, fmt)).join('\n') : ''
    return [answer.text ?? '', asText].filter((s) => s !== '').join('\n\n')
  }

  #wireCall(call: ToolCall, index: number, stream: boolean): Record<string, unknown> {
    const fn = { name: call.name, arguments: JSON.stringify(call.arguments) }
    if (this.style === 'mlx-textgen')
      // MLX-Textgen: `id: "call_<8 hex>"`, `index: 0` even outside streams (engine.py get_return_dict).
      return { index: 0, id: `call_${hex(4)}`, function: fn, type: 'function' }
    if (this.style === 'mlx-lm')
      // mlx-lm: id is a UUID; `index` only in streams (server.py format_tool_call).
      return { function: fn, type: 'function', id: randomUUID(), ...(stream && { index }) }
    return {
      index,
      id: String(100_000_000 + Math.floor(Math.random() * 899_999_999)),
      type: 'function',
      function: fn,
    }
  }

  async #stream(res: ServerResponse, body: ChatBody, answer: Answer): Promise<void> {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
    const chunks =
      this.style === 'mlx-textgen'
        ? this.#textgenChunks(body, answer)
        : this.style === 'mlx-lm'
          ? this.#mlxLmChunks(body, answer)
          : this.#lmStudioChunks(body, answer)
    let sent = 0
    for (const chunk of chunks) {
      if (res.destroyed) return
      if (sent++ === answer.cutAfterChunks) {
        res.destroy()
        return
      }
      res.write(typeof chunk === 'string' ? chunk : `data: ${JSON.stringify(chunk)}\n\n`)
      if (answer.chunkDelayMs) await sleep(answer.chunkDelayMs)
    }
    if (!res.destroyed) res.end()
  }

  /**
   * MLX-Textgen 0.1.x (engine.py get_return_dict): every chunk carries `role` and `tool_calls: []`;
   * the one tool call arrives whole in a single chunk (`content: null`, `finish_reason:
   * "tool_calls"`); no usage in streams; `data: [DONE]` closes.
   */
  *#textgenChunks(body: ChatBody, answer: Answer): Generator<Chunk> {
    const id = `chatcmpl-${hex(16)}`
    const created = Math.floor(Date.now() / 1000)
    const model = body.model ?? this.model
    const chunk = (delta: Record<string, unknown>, finish: string | null) => ({
      id,
      object: 'chat.completion.chunk',
      created,
      model,
      choices: [{ index: 0, finish_reason: finish, delta }],
    })
    const calls = this.#nativeCalls(answer)
    for (const piece of split(this.#content(answer), answer.textChunks ?? 3))
      yield chunk({ role: 'assistant', content: piece, tool_calls: [] }, null)
    const call = calls[0]
    if (call)
      yield chunk(
        { role: 'assistant', content: null, tool_calls: [this.#wireCall(call, 0, true)] },
        'tool_calls',
      )
    else yield chunk({ role: 'assistant', content: '', tool_calls: [] }, 'stop')
    // MLX-Textgen 0.1.x server.py writes the last line without the blank line that ends an event.
    yield 'data: [DONE]'
  }

  /**
   * mlx-lm (server.py handle_completion): `: keepalive` comments during prompt processing; every
   * delta repeats `role` with `content`, `reasoning` and `tool_calls` (empty when unused); each
   * parsed call is whole, with `index`, and calls finished together share a chunk; a usage chunk
   * (`choices: []`, `object: "chat.completion"`, `cached_tokens`) when include_usage is asked.
   */
  *#mlxLmChunks(body: ChatBody, answer: Answer): Generator<Chunk> {
    const id = `chatcmpl-${randomUUID()}`
    const created = Math.floor(Date.now() / 1000)
    const model = body.model ?? 'default_model'
    const base = {
      id,
      system_fingerprint: '0.31.0-0.29.0-macOS-15.5-arm64-applegpu_g15s',
      created,
      model,
    }
    const chunk = (delta: Partial<Record<string, unknown>>, finish: string | null) => ({
      ...base,
      object: 'chat.completion.chunk',
      choices: [
        {
          index: 0,
          finish_reason: finish,
          delta: { role: 'assistant', content: '', reasoning: '', tool_calls: [], ...delta },
        },
      ],
    })
    yield ': keepalive 512/1024\n\n'
    yield ': keepalive 1024/1024\n\n'
    for (const piece of split(answer.reasoning ?? '', 2)) yield chunk({ reasoning: piece }, null)
    for (const piece of split(this.#content(answer), answer.textChunks ?? 3))
      yield chunk({ content: piece }, null)
    const calls = this.#nativeCalls(answer)
    if (calls.length)
      yield chunk({ tool_calls: calls.map((c, i) => this.#wireCall(c, i, true)) }, null)
    yield chunk({}, calls.length ? 'tool_calls' : 'stop')
    if (body.stream_options?.include_usage)
      yield `data: ${JSON.stringify({
        ...base,
        object: 'chat.completion',
        choices: [],
        usage: {
          prompt_tokens: 21_000,
          completion_tokens: 42,
          total_tokens: 21_042,
          prompt_tokens_details: { cached_tokens: 20_000 },
        },
      })}\n\n`
    yield 'data: [DONE]\n\n'
  }

  /**
   * LM Studio 0.3.x: a call starts with `{index, id, type, function: {name, arguments: ""}}`, then
   * the arguments stream in fragments that repeat `function.name: ""` (lmstudio-bug-tracker#649);
   * parallel calls follow one another with their own `index`.
   */
  *#lmStudioChunks(body: ChatBody, answer: Answer): Generator<Chunk> {
    const id = `chatcmpl-${hex(10)}`
    const created = Math.floor(Date.now() / 1000)
    const model = body.model ?? this.model
    const chunk = (delta: Record<string, unknown>, finish: string | null) => ({
      id,
      object: 'chat.completion.chunk',
      created,
      model,
      system_fingerprint: model,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    })
    yield chunk({ role: 'assistant', content: '' }, null)
    if (answer.reasoning)
      for (const piece of split(answer.reasoning, 2))
        yield chunk({ reasoning_content: piece }, null)
    for (const piece of split(this.#content(answer), answer.textChunks ?? 3))
      yield chunk({ content: piece }, null)
    const calls = this.#nativeCalls(answer)
    for (const [index, call] of calls.entries()) {
      const { id: callId } = this.#wireCall(call, index, true)
      const fn = { name: call.name, arguments: '' }
      yield chunk({ tool_calls: [{ index, id: callId, type: 'function', function: fn }] }, null)
      for (const piece of split(JSON.stringify(call.arguments), 4)) {
        const fragment = { index, type: 'function', function: { name: '', arguments: piece } }
        yield chunk({ tool_calls: [fragment] }, null)
      }
    }
    yield chunk({}, calls.length ? 'tool_calls' : 'stop')
    if (body.stream_options?.include_usage)
      yield {
        id,
        object: 'chat.completion.chunk',
        created,
        model,
        system_fingerprint: model,
        choices: [],
        usage: { prompt_tokens: 21_000, completion_tokens: 42, total_tokens: 21_042 },
      }
    yield 'data: [DONE]\n\n'
  }
}
