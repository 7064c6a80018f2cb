/**
 * @module test/cli/helpers: the built CLI as a child process, a fake OpenAI-compatible server on a
 * real port (node:http, shaped like mlx_lm.server), temp folders and a stand-in `claude`.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll } from 'vitest'
import { captureOutput } from '../helpers/output.js'

export const ROOT = fileURLToPath(new URL('../../', import.meta.url))
export const CLI = join(ROOT, 'dist', 'cli.js')

export function assertBuilt(): void {
  if (!existsSync(CLI))
    throw new Error('dist/cli.js is missing: run `npm run build` before the CLI tests')
}

const made: string[] = []
export function tempDir(prefix = 'anyclaude-cli-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  made.push(dir)
  return dir
}
export function removeTempDirs(): void {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true })
}

/** The parent's environment without anything that configures anyclaude or Claude Code. */
export function cleanEnv(extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined) continue
    if (
      /^(ANYCLAUDE_|ANTHROPIC_|CLAUDE_CODE_|MLX_TEXTGEN_|MLX_LM_|LMSTUDIO_|PROXY_ONLY$|FORCE_COLOR$)/.test(
        k,
      )
    )
      continue
    env[k] = v
  }
  env.NO_COLOR = '1'
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) env[k] = v
  return env
}

export type Run = {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

/** Spawns `node dist/cli.js ...args`; collects its output. */
export function startCli(args: string[], env: Record<string, string>, cwd = ROOT) {
  const child = spawn(process.execPath, [CLI, ...args], {
    env,
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const out = captureOutput(child)
  const done = new Promise<Run>((resolve) =>
    child.on('close', (code, signal) =>
      resolve({ code, signal, stdout: out.stdout, stderr: out.stderr }),
    ),
  )
  return {
    child,
    done,
    get stdout() {
      return out.stdout
    },
    get stderr() {
      return out.stderr
    },
    /** Resolves with the first match of `re` in stdout (or stderr), or rejects after `ms`. */
    waitFor(
      re: RegExp,
      ms = 10_000,
      stream: 'stdout' | 'stderr' = 'stdout',
    ): Promise<RegExpMatchArray> {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = out[stream].match(re)
          if (m) {
            clearInterval(timer)
            clearTimeout(limit)
            resolve(m)
          }
        }
        const timer = setInterval(check, 20)
        const limit = setTimeout(() => {
          clearInterval(timer)
          reject(
            new Error(
              `timed out waiting for ${re} in ${stream}:\n${out.stdout}\n---\n${out.stderr}`,
            ),
          )
        }, ms)
        check()
      })
    },
  }
}

export function runCli(args: string[], env: Record<string, string>, cwd = ROOT): Promise<Run> {
  return startCli(args, env, cwd).done
}

export const kill = (child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM') => {
  if (child.exitCode === null && child.signalCode === null) child.kill(signal)
}

export type FakeOptions = {
  /** How tool calls come back: `tool_calls` (native), Hermes text, or not at all. */
  tools?: 'native' | 'text' | 'none'
  text?: string
}

export type FakeServer = {
  url: string
  port: number
  requests: Record<string, unknown>[]
  options: FakeOptions
  close(): Promise<void>
}

const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
  `data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = ''
    req.setEncoding('utf8')
    req.on('data', (d: string) => {
      text += d
    })
    req.on('end', () => resolve(text))
    req.on('error', reject)
  })
}

/**
 * A fake `mlx_lm.server`: `/v1/models` entries without `owned_by` and `/health` (what detection
 * reads), streamed chat completions, tool calls, and a prompt cache: a prompt seen before reports
 * all but one token as `cached_tokens`.
 */
export async function startFakeServer(options: FakeOptions = {}): Promise<FakeServer> {
  const requests: Record<string, unknown>[] = []
  const seen = new Set<string>()
  const opts: FakeOptions = { tools: 'native', text: 'Hello from the fake.', ...options }
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0]
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(JSON.stringify(body))
    }
    if (req.method === 'GET' && path === '/v1/models')
      return json(200, {
        object: 'list',
        data: [{ id: 'mlx-community/Fake-Coder-4bit', object: 'model', created: 1 }],
      })
    if (req.method === 'GET' && path === '/health') return json(200, { status: 'ok' })
    if (req.method !== 'POST' || path !== '/v1/chat/completions') {
      res.writeHead(404, { 'content-type': 'text/plain' })
      return res.end('Not Found')
    }
    const body = JSON.parse(await readBody(req)) as Record<string, unknown>
    requests.push(body)
    const prompt = JSON.stringify(body.messages)
    const promptTokens = Math.ceil(prompt.length / 4)
    const cached = seen.has(prompt) ? promptTokens - 1 : 0
    seen.add(prompt)
    const tools = (body.tools as { function: { name: string } }[] | undefined) ?? []
    const frames: string[] = [chunk({ role: 'assistant', content: '' })]
    let finish = 'stop'
    if (tools.length > 0 && opts.tools === 'native') {
      frames.push(
        chunk({
          tool_calls: [
            {
              index: 0,
              id: 'call_1',
              type: 'function',
              function: { name: tools[0]!.function.name, arguments: '{"city": "Paris"}' },
            },
          ],
        }),
      )
      finish = 'tool_calls'
    } else if (tools.length > 0 && opts.tools === 'text') {
      const name = tools[0]!.function.name
      frames.push(
        chunk({
          content: `<tool_call>\n{"name": "${name}", "arguments": {"city": "Paris"}}\n</tool_call>`,
        }),
      )
    } else {
      const text = opts.text ?? ''
      frames.push(chunk({ content: text.slice(0, 5) }), chunk({ content: text.slice(5) }))
    }
    frames.push(chunk({}, finish))
    frames.push(
      `data: ${JSON.stringify({ object: 'chat.completion', choices: [], usage: { prompt_tokens: promptTokens, completion_tokens: 3, prompt_tokens_details: { cached_tokens: cached } } })}\n\n`,
      'data: [DONE]\n\n',
    )
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    for (const f of frames) res.write(f)
    res.end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}/v1`,
    port,
    requests,
    options: opts,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/**
 * The setup the process tests share: before the file's tests, checks that the CLI is built and
 * starts one fake server per entry of `options` (in order), then hands them to `ready`; after the
 * tests, closes them and removes the temp folders.
 * @example let fake: FakeServer; useFakeServers([{}], ([server]) => { fake = server })
 */
export function useFakeServers<const T extends readonly FakeOptions[]>(
  options: T,
  ready: (servers: { [K in keyof T]: FakeServer }) => void,
): void {
  const servers: FakeServer[] = []
  beforeAll(async () => {
    assertBuilt()
    for (const o of options) servers.push(await startFakeServer(o))
    ready(servers as { [K in keyof T]: FakeServer })
  })
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()))
    removeTempDirs()
  })
}

/** A port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

/** A config file with one mlx-lm backend at `url`. */
export function writeConfig(dir: string, url: string, extra: Record<string, unknown> = {}): string {
  const file = join(dir, 'anyclaude.json')
  writeFileSync(
    file,
    JSON.stringify({
      backends: [{ name: 'fake', kind: 'mlx-lm', url, apiKey: 'backend-secret' }],
      ...extra,
    }),
  )
  return file
}

/**
 * A stand-in `claude` (a node script): writes its arguments, its ANTHROPIC_ and CLAUDE_CODE_
 * environment, the proxy's /health and (with `$STANDIN_ASK`) the proxy's answer to that prompt
 * to `$STANDIN_OUT`, prints a line, then exits with
 * `$STANDIN_CODE`, or with `$STANDIN_WAIT` waits until SIGTERM (which it records in
 * `$STANDIN_OUT.sigterm` and answers with exit code 42).
 */
export function writeStandInClaude(dir: string): string {
  const file = join(dir, 'claude')
  writeFileSync(
    file,
    `#!${process.execPath}
const fs = require('node:fs')
const out = process.env.STANDIN_OUT
process.on('SIGTERM', () => { fs.writeFileSync(out + '.sigterm', 'SIGTERM'); process.exit(42) })
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => /^(ANTHROPIC_|CLAUDE_CODE_)/.test(k)))
const base = process.env.ANTHROPIC_BASE_URL
const ask = () => process.env.STANDIN_ASK
  ? fetch(base + '/v1/messages', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer ' + process.env.ANTHROPIC_AUTH_TOKEN },
      body: JSON.stringify({ model: process.env.ANTHROPIC_MODEL, max_tokens: 100, messages: [{ role: 'user', content: process.env.STANDIN_ASK }] }),
    }).then((r) => r.json())
  : Promise.resolve(undefined)
Promise.all([fetch(base + '/health').then((r) => r.json()), ask()]).catch((e) => [{ error: String(e) }]).then(([health, answer]) => {
  fs.writeFileSync(out, JSON.stringify({ argv: process.argv.slice(2), env, health, answer }))
  process.stdout.write('stand-in claude output\\n')
  if (process.env.STANDIN_WAIT) setInterval(() => {}, 1000)
  else process.exitCode = Number(process.env.STANDIN_CODE || 0)
})
`,
  )
  chmodSync(file, 0o755)
  return file
}
