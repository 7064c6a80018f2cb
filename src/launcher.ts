/**
 * @module launcher: `anyclaude [options] [--] [claude arguments]`: starts the proxy on a free port,
 * reports the backends, then runs Claude Code pointed at it in the same terminal, and exits with
 * Claude Code's exit code (design.md, "The command line").
 */
import { type ChildProcess, spawn as nodeSpawn } from 'node:child_process'
import { createWriteStream, type WriteStream } from 'node:fs'
import { constants, tmpdir } from 'node:os'
import { join } from 'node:path'
import pc from 'picocolors'
import { formatProbeLine } from './backends/detect.js'
import type { BackendRegistry } from './backends/registry.js'
import type { Config } from './config.js'
import { createUpstreamFetch, startServer } from './server.js'
import { traceDeps } from './trace.js'

/** picocolors' palette (on, or every colour a no-op). */
type Colors = ReturnType<typeof pc.createColors>

/**
 * The model name Claude Code is told to use. Fixed, so the system prompt (which names the model)
 * stays byte-identical across sessions, and unknown to Claude Code, so it asks for 32k max_tokens.
 */
export const LOCAL_MODEL = 'anyclaude-local'

/** Set for Claude Code unless the user's environment already has them (the user wins). */
export const CLAUDE_ENV_DEFAULTS: Readonly<Record<string, string>> = {
  ANTHROPIC_MODEL: LOCAL_MODEL,
  ANTHROPIC_SMALL_FAST_MODEL: LOCAL_MODEL,
  // Claude Code 2.1.x: no per-conversation billing block at the head of the system prompt.
  CLAUDE_CODE_ATTRIBUTION_HEADER: '0',
  // No telemetry, error reporting or update checks: nothing leaves the machine.
  CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
}

/**
 * Removed from Claude Code's environment: a real API key must never be used against the proxy,
 * and the cloud switches would send Claude Code to Bedrock, Vertex or Foundry instead of to it.
 */
export const CLAUDE_ENV_REMOVED = [
  'ANTHROPIC_API_KEY',
  'CLAUDE_CODE_USE_BEDROCK',
  'CLAUDE_CODE_USE_VERTEX',
  'CLAUDE_CODE_USE_FOUNDRY',
] as const

export const INSTALL_HINT = 'npm install -g @anthropic-ai/claude-code'

/**
 * Claude Code's environment: the user's, without a real key, pointed at the proxy.
 * `ANTHROPIC_BASE_URL` and `ANTHROPIC_AUTH_TOKEN` are always anyclaude's (the token is the proxy
 * key when one is configured: a token exported for Anthropic itself must not be sent here); the
 * others in {@link CLAUDE_ENV_DEFAULTS} only when the user has not set them.
 * @example claudeEnvironment(process.env, { baseUrl: 'http://127.0.0.1:50123', authToken: 'anyclaude' })
 */
export function claudeEnvironment(
  parent: Readonly<Record<string, string | undefined>>,
  proxy: { baseUrl: string; authToken: string },
): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(parent)) if (v !== undefined) env[k] = v
  for (const k of CLAUDE_ENV_REMOVED) delete env[k]
  env.ANTHROPIC_BASE_URL = proxy.baseUrl
  env.ANTHROPIC_AUTH_TOKEN = proxy.authToken
  for (const [k, v] of Object.entries(CLAUDE_ENV_DEFAULTS)) if (!env[k]) env[k] = v
  return env
}

/** The exit code of a shell for a child that ended with `code` or was killed by `signal`. */
export function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code
  const n = signal ? constants.signals[signal] : undefined
  return n ? 128 + n : 1
}

/** The start-up report: one line per backend URL, as the probes found them. */
export function backendSummary(registry: BackendRegistry, colors: Colors = pc): string[] {
  const lines: string[] = []
  for (const backend of registry.backends)
    for (const url of backend.urls) {
      const state = registry.state(backend.name, url)
      if (!state) continue
      const line = formatProbeLine(backend, state)
      lines.push(state.up ? colors.green(line) : colors.red(line))
    }
  return lines
}

export type LauncherIO = {
  /** The environment Claude Code inherits (the only place the launcher sees it). */
  env: Readonly<Record<string, string | undefined>>
  /** Human output before Claude Code starts and after it ends. */
  stderr: NodeJS.WritableStream & { isTTY?: boolean }
  spawn: typeof nodeSpawn
  /** Signal handling (the real process by default). */
  signals: Pick<NodeJS.Process, 'on' | 'off'>
  pid: number
}

const FORWARDED = ['SIGTERM', 'SIGHUP'] as const

/**
 * Runs the proxy and Claude Code; resolves with the code anyclaude exits with.
 * @param claudeArgs everything on the command line that is not anyclaude's, in order
 * @example process.exitCode = await runLauncher(loadConfig(flags), ['-p', 'hi'])
 */
export async function runLauncher(
  config: Config,
  claudeArgs: readonly string[],
  io: Partial<LauncherIO> = {},
): Promise<number> {
  const {
    env = process.env,
    stderr = process.stderr,
    spawn = nodeSpawn,
    signals = process,
    pid = process.pid,
  } = io
  const colors = pc.createColors(pc.isColorSupported && stderr.isTTY === true)
  const say = (line: string) => stderr.write(`${line}\n`)

  // A free port unless one was asked for: several sessions may run side by side.
  const cfg: Config = {
    ...config,
    port: config.portGiven ? config.port : 0,
    // The log is a file here, not the screen: request lines and "still processing the prompt"
    // progress (long prefills) are always worth having in it.
    debug: Math.max(config.debug, 1),
  }
  const logPath = config.logFile ?? join(tmpdir(), `anyclaude-${pid}.log`)
  const log = await openLog(logPath)
  const upstream = createUpstreamFetch(cfg)
  const traced =
    cfg.debug >= 3 ? traceDeps(cfg, upstream, (m) => log.write(`anyclaude: ${m}\n`)) : undefined
  let server: Awaited<ReturnType<typeof startServer>>
  try {
    server = await startServer(cfg, {
      fetch: upstream,
      logDestination: log,
      stdout: (line) => {
        // stdout is Claude Code's (and `claude -p --output-format json` is parsed by scripts).
        say(colors.dim(line))
        log.write(`${line}\n`)
      },
      ...(traced && { deps: traced.deps }),
    })
  } catch (err) {
    await closeLog(log)
    throw err
  }

  await server.registry.probeAll()
  for (const line of backendSummary(server.registry, colors)) say(line)
  if (!server.registry.states().some((s) => s.up))
    say(
      colors.yellow(
        'anyclaude: no backend answers yet; Claude Code will get errors until one does (see `anyclaude doctor`)',
      ),
    )
  say(colors.dim(`anyclaude: log file ${logPath}`))
  if (traced) say(colors.dim(`anyclaude: writing traces to ${traced.dir}`))

  const childEnv = claudeEnvironment(env, {
    baseUrl: server.url,
    authToken: config.apiKey ?? 'anyclaude',
  })
  const bin = config.claudeBin ?? 'claude'
  let child: ChildProcess
  const outcome = await new Promise<{ code: number; spawnError?: NodeJS.ErrnoException }>(
    (resolve) => {
      // The terminal sends Ctrl-C to the whole foreground group: Claude Code handles it, we stay up.
      const ignore = () => {}
      const forward = (signal: NodeJS.Signals) => {
        log.write(`anyclaude: ${signal}, passing it on to Claude Code\n`)
        child.kill(signal)
      }
      const done = (result: { code: number; spawnError?: NodeJS.ErrnoException }) => {
        signals.off('SIGINT', ignore)
        for (const s of FORWARDED) signals.off(s, forward)
        resolve(result)
      }
      signals.on('SIGINT', ignore)
      for (const s of FORWARDED) signals.on(s, forward)
      try {
        child = spawn(bin, [...claudeArgs], { stdio: 'inherit', env: childEnv })
      } catch (err) {
        done({ code: 127, spawnError: err as NodeJS.ErrnoException })
        return
      }
      child.once('error', (err: NodeJS.ErrnoException) => {
        // Only a failed start is reported here; errors after it end in 'exit' too.
        if (child.pid === undefined)
          done({ code: err.code === 'EACCES' ? 126 : 127, spawnError: err })
      })
      child.once('exit', (code, signal) => {
        log.write(`anyclaude: Claude Code exited (${signal ?? code})\n`)
        done({ code: exitCodeOf(code, signal) })
      })
    },
  )

  if (outcome.spawnError) {
    const e = outcome.spawnError
    if (e.code === 'ENOENT')
      say(
        `anyclaude: cannot find Claude Code (\`${bin}\`). Install it with:\n  ${INSTALL_HINT}\nor point ANYCLAUDE_CLAUDE_BIN at its executable.`,
      )
    else say(`anyclaude: cannot start Claude Code (\`${bin}\`): ${e.message}`)
  }
  // Claude Code is gone, so no client is left: a short grace is enough.
  await server.close(1000)
  await closeLog(log)
  return outcome.code
}

async function openLog(path: string): Promise<WriteStream> {
  const stream = createWriteStream(path, { flags: 'a' })
  await new Promise<void>((resolve, reject) => {
    stream.once('open', () => {
      // A late log line after the end (a stream still closing) must not crash the exit.
      stream.on('error', () => {})
      resolve()
    })
    stream.once('error', (err) =>
      reject(new Error(`cannot open the log file ${path}: ${err.message}`)),
    )
  })
  return stream
}

function closeLog(stream: WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.writableFinished || stream.destroyed) return resolve()
    stream.end(() => resolve())
  })
}
