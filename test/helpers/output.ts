/** @module test/helpers/output: a child process's output, collected as text. */
import type { ChildProcess } from 'node:child_process'

/** Collects `child`'s stdout and stderr (spawned with pipes); read them at any time. */
export function captureOutput(child: ChildProcess): {
  readonly stdout: string
  readonly stderr: string
} {
  const out = { stdout: '', stderr: '' }
  child.stdout?.setEncoding('utf8').on('data', (d: string) => {
    out.stdout += d
  })
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    out.stderr += d
  })
  return out
}
