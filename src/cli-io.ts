/** @module cli-io: where a subcommand (doctor, check-cache, replay) writes, unless its caller says. */
import pc from 'picocolors'

/** picocolors' palette (on, or every colour a no-op). */
export type Colors = ReturnType<typeof pc.createColors>

/** A subcommand's output, injectable (tests pass their own). */
export type CommandIO = {
  out?: (text: string) => void
  err?: (text: string) => void
  colors?: Colors
}

/** Fills in the defaults: stdout, stderr, and colours when stdout is a colour terminal. */
export function commandIO(io: CommandIO): Required<CommandIO> {
  return {
    out: io.out ?? ((t: string) => process.stdout.write(t)),
    err: io.err ?? ((t: string) => process.stderr.write(t)),
    colors: io.colors ?? pc.createColors(pc.isColorSupported && process.stdout.isTTY === true),
  }
}
