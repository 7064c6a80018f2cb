#!/usr/bin/env -S node --max-semi-space-size=4 --heap-growing-percent=40 --v8-pool-size=1 --single-threaded-gc
/**
 * @module cli: the `anyclaude` command. `--proxy-only` serves the proxy (what `npm start` runs);
 * without it, anyclaude starts the proxy and then Claude Code pointed at it (launcher.ts).
 */
import { readFileSync } from 'node:fs'
import { ArgsError, parseArgs } from './cli-args.js'
import { helpText } from './cli-help.js'
import { ConfigError, loadConfig } from './config.js'
import { createUpstreamFetch, startServer } from './server.js'
import { keepHelperThreadsLow } from './thread-priority.js'
import { traceDeps } from './trace.js'

const version = (): string => {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string
  }
  return pkg.version
}

async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv)
  if (args.help) {
    process.stdout.write(helpText())
    return 0
  }
  if (args.version) {
    process.stdout.write(`anyclaude ${version()}\n`)
    return 0
  }
  const config = loadConfig(args.flags)
  if (args.subcommand) {
    const { runSubcommand } = await import('./subcommands.js')
    return runSubcommand(args.subcommand, args.subArgs, config)
  }
  // The process serves requests from here on: its helper threads must not delay them.
  keepHelperThreadsLow()
  if (!config.proxyOnly) {
    const { runLauncher } = await import('./launcher.js')
    return runLauncher(config, args.claudeArgs)
  }
  return runProxyOnly(config)
}

async function runProxyOnly(config: ReturnType<typeof loadConfig>): Promise<number> {
  const upstream = createUpstreamFetch(config)
  const traced =
    config.debug >= 3
      ? traceDeps(config, upstream, (m) => process.stderr.write(`anyclaude: ${m}\n`))
      : undefined
  const server = await startServer(config, {
    fetch: upstream,
    ...(traced && { deps: traced.deps }),
  })
  if (traced) process.stderr.write(`anyclaude: writing traces to ${traced.dir}\n`)
  process.stdout.write(`export ANTHROPIC_BASE_URL=${server.url}\n`)
  process.stdout.write(
    `export ANTHROPIC_AUTH_TOKEN=${config.apiKey ? '<your ANYCLAUDE_API_KEY>' : 'anyclaude'}\n`,
  )
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      process.stderr.write('anyclaude: shutting down\n')
      void server.close().then(resolve)
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
  })
  return 0
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (err: unknown) => {
    if (err instanceof ConfigError || err instanceof ArgsError)
      process.stderr.write(`anyclaude: ${err.message}\n`)
    else process.stderr.write(`anyclaude: ${(err as Error)?.stack ?? err}\n`)
    process.exitCode = 2
  },
)
