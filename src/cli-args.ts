/**
 * @module cli-args: `anyclaude [anyclaude options] [--] [claude arguments]`. anyclaude takes only
 * its own listed options and subcommands; everything else (and all after `--`) goes to `claude`.
 */
import type { Flags } from './config.js'

export const SUBCOMMANDS = ['doctor', 'replay', 'check-cache'] as const
export type Subcommand = (typeof SUBCOMMANDS)[number]

export type ParsedArgs = {
  flags: Flags
  help: boolean
  version: boolean
  subcommand?: Subcommand
  /** Positional arguments of the subcommand. */
  subArgs: string[]
  /** Everything for `claude`, in order. */
  claudeArgs: string[]
}

/** Options that take a value. */
const VALUED = new Set(['--port', '--host', '--mode', '--config', '--debug'])

export class ArgsError extends Error {
  override name = 'ArgsError'
}

export function parseArgs(argv: readonly string[]): ParsedArgs {
  const out: ParsedArgs = { flags: {}, help: false, version: false, subArgs: [], claudeArgs: [] }
  let i = 0
  if (argv[0] && (SUBCOMMANDS as readonly string[]).includes(argv[0])) {
    out.subcommand = argv[0] as Subcommand
    i = 1
  }
  for (; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === '--') {
      out.claudeArgs.push(...argv.slice(i + 1))
      break
    }
    const eq = arg.indexOf('=')
    const name = eq > 0 ? arg.slice(0, eq) : arg
    if (VALUED.has(name)) {
      const value = eq > 0 ? arg.slice(eq + 1) : argv[++i]
      if (value === undefined) throw new ArgsError(`${name} needs a value`)
      const key = name.slice(2) as 'port' | 'host' | 'mode' | 'config' | 'debug'
      out.flags[key] = value
    } else if (arg === '--proxy-only') out.flags.proxyOnly = true
    else if (arg === '--help' || (arg === '-h' && !out.subcommand && out.claudeArgs.length === 0))
      out.help = true
    else if (arg === '--version') out.version = true
    else if (out.subcommand) out.subArgs.push(arg)
    else out.claudeArgs.push(arg)
  }
  return out
}
