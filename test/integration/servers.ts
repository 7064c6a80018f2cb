/**
 * Fake MLX-Textgen, mlx-lm, LM Studio, llama-server and Anthropic-native servers on real local
 * ports. Probe endpoints reuse the shapes in test/backends/fake-servers.ts; the chat endpoints
 * answer the way each server streams (protocol.md §7, cited per quirk).
 */

import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import type { FakeServer } from '../backends/fake-servers.js'

export type ChatHandler = (
  body: Record<string, unknown>,
  signal: AbortSignal,
) => Response | Promise<Response>

export type Running = {
  url: string
  origin: string
  requests: Record<string, unknown>[]
  aborted: number
  close(): Promise<void>
}

const sse = (frames: string[], delayMs = 0, signal?: AbortSignal): Response => {
  const enc = new TextEncoder()
  let i = 0
  const body = new ReadableStream<Uint8Array>({
    async pull(ctrl) {
      if (signal?.aborted || i >= frames.length) return ctrl.close()
      if (delayMs && i > 0) await new Promise((r) => setTimeout(r, delayMs))
      ctrl.enqueue(enc.encode(frames[i++]!))
    },
  })
  return new Response(body, { headers: { 'content-type': 'text/event-stream' } })
}
const data = (o: unknown) => `data: ${JSON.stringify(o)}\n\n`
const chunk = (
  delta: Record<string, unknown>,
  finish: string | null = null,
  extra: Record<string, unknown> = {},
) =>
  data({
    id: 'chatcmpl-1',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'm',
    choices: [{ index: 0, delta, finish_reason: finish }],
    ...extra,
  })

const hasTools = (b: Record<string, unknown>) => Array.isArray(b.tools) && b.tools.length > 0
const lastIsToolResult = (b: Record<string, unknown>) =>
  (b.messages as { role: string }[]).at(-1)?.role === 'tool'
const firstTool = (b: Record<string, unknown>) =>
  (b.tools as { function: { name: string } }[])[0]!.function.name

/** MLX-Textgen 0.1.10: one whole tool call per answer, `call_<8 hex>`, `tool_calls: []` and role on every chunk, no usage in streams. */
export const mlxTextgenChat: ChatHandler = (b) => {
  if (hasTools(b) && !lastIsToolResult(b))
    return sse([
      chunk({ role: 'assistant', content: '', tool_calls: [] }),
      chunk({
        role: 'assistant',
        tool_calls: [
          {
            index: 0,
            id: 'call_1a2b3c4d',
            type: 'function',
            function: { name: firstTool(b), arguments: '{"command": "ls -la"}' },
          },
        ],
      }),
      chunk({ role: 'assistant', content: '', tool_calls: [] }, 'tool_calls'),
      'data: [DONE]\n\n',
    ])
  return sse([
    chunk({ role: 'assistant', content: 'textgen says done', tool_calls: [] }),
    chunk({ role: 'assistant', content: '', tool_calls: [] }, 'stop'),
    'data: [DONE]\n\n',
  ])
}

/** mlx-lm: role repeated on every delta, reasoning in `reasoning`, usage chunk with cached_tokens (object "chat.completion"). */
export const mlxLmChat: ChatHandler = (b) =>
  sse(
    [
      ': keepalive 100/2000\n\n',
      chunk({ role: 'assistant', reasoning: 'Thinking briefly.' }),
      chunk({ role: 'assistant', content: 'Hello from ' }),
      chunk({ role: 'assistant', content: 'mlx-lm' }),
      chunk({ role: 'assistant', content: '' }, 'stop'),
      data({
        object: 'chat.completion',
        choices: [],
        usage: {
          prompt_tokens: 1000,
          completion_tokens: 5,
          prompt_tokens_details: { cached_tokens: 900 },
        },
      }),
      'data: [DONE]\n\n',
    ].filter(() => b !== undefined),
  )

/** LM Studio 0.3.16: tool arguments streamed in fragments, each repeating `name: ""` and no id. */
export const lmStudioChat: ChatHandler = (b) => {
  if (hasTools(b) && !lastIsToolResult(b)) {
    const args = '{"command": "echo studio"}'
    const frames = [
      chunk({ role: 'assistant', content: null }),
      chunk({
        tool_calls: [
          {
            index: 0,
            id: '123456789',
            type: 'function',
            function: { name: firstTool(b), arguments: '' },
          },
        ],
      }),
    ]
    for (let i = 0; i < args.length; i += 5)
      frames.push(
        chunk({
          tool_calls: [
            { index: 0, type: 'function', function: { name: '', arguments: args.slice(i, i + 5) } },
          ],
        }),
      )
    frames.push(chunk({}, 'tool_calls'), 'data: [DONE]\n\n')
    return sse(frames)
  }
  return sse([
    chunk({ role: 'assistant', content: 'studio text' }),
    chunk({}, 'stop'),
    'data: [DONE]\n\n',
  ])
}

/** An Anthropic-native `/v1/messages` stream (LM Studio 0.4, llama.cpp, vLLM): passed through. */
export const anthropicStream = (): Response =>
  sse([
    'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_up","type":"message","role":"assistant","model":"m","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":50,"output_tokens":1}}}\n\n',
    'event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\n',
    'event: ping\ndata: {"type":"ping"}\n\n',
    'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"native "}}\n\n',
    'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"answer"}}\n\n',
    'event: content_block_stop\ndata: {"type":"content_block_stop","index":0}\n\n',
    'event: content_block_start\ndata: {"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_x","name":"Bash","input":{}}}\n\n',
    'event: content_block_delta\ndata: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":""}}\n\n',
    'event: content_block_delta\ndata: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\\"command\\": \\"pwd\\"}"}}\n\n',
    'event: content_block_stop\ndata: {"type":"content_block_stop","index":1}\n\n',
    'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":12}}\n\n',
    'event: message_stop\ndata: {"type":"message_stop"}\n\n',
  ])

/** Serves a fake on 127.0.0.1:0 (or a given port, to bring a killed backend back). */
export async function start(probe: FakeServer, chat: ChatHandler, port = 0): Promise<Running> {
  const requests: Record<string, unknown>[] = []
  let aborted = 0
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve(
      {
        port,
        hostname: '127.0.0.1',
        fetch: async (req: Request) => {
          const path = new URL(req.url).pathname
          if (
            req.method === 'POST' &&
            (path === '/v1/chat/completions' || path === '/v1/messages')
          ) {
            const body = (await req.json()) as Record<string, unknown>
            requests.push(body)
            req.signal.addEventListener('abort', () => aborted++)
            return chat(body, req.signal)
          }
          const route = probe.routes[path]
          if (route === undefined) return probe.notFound()
          return typeof route === 'function' ? (route as () => Response)() : Response.json(route)
        },
      },
      () => resolve(s),
    )
  })
  const p = (server.address() as AddressInfo).port
  const origin = `http://127.0.0.1:${p}`
  return {
    url: `${origin}/v1`,
    origin,
    requests,
    get aborted() {
      return aborted
    },
    close: () =>
      new Promise<void>((r) => {
        ;(server as unknown as { closeAllConnections(): void }).closeAllConnections()
        server.close(() => r())
      }),
  }
}
