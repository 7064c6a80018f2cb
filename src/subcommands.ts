/** @module subcommands: `anyclaude doctor | replay | check-cache`, each in its own module. */
import type { Subcommand } from './cli-args.js'
import type { Config } from './config.js'

/**
 * Runs one subcommand; resolves with the exit code.
 * @param args the subcommand's own arguments (anyclaude's options are already in `config`)
 * @example process.exitCode = await runSubcommand('doctor', [], loadConfig())
 */
export async function runSubcommand(
  name: Subcommand,
  args: readonly string[],
  config: Config,
): Promise<number> {
  switch (name) {
    case 'doctor': {
      const { runDoctor } = await import('./doctor.js')
      return runDoctor(config, args)
    }
    case 'replay': {
      const { runReplay } = await import('./replay.js')
      return runReplay(config, args)
    }
    case 'check-cache': {
      const { runCheckCache } = await import('./check-cache.js')
      return runCheckCache(config, args)
    }
    default: {
      const _exhaustive: never = name
      throw new Error(`unknown subcommand ${String(_exhaustive)}`)
    }
  }
}
