/**
 * @module bench/lib/spawn: starts the fake backend and anyclaude as child processes, waits for
 * their "listening" line, and stops them by PID (SIGTERM, then SIGKILL after a grace period).
 */
import { execFileSync, spawn } from 'node:child_process'
import { cpus } from 'node:os'

const started = new Set()

/** CPU pinning: the proxy on the last core, the harness (load generator, fake) on the others. */
export function pinning(requested) {
  const n = cpus().length
  let taskset = false
  try {
    execFileSync('taskset', ['-V'], { stdio: 'ignore' })
    taskset = true
  } catch {}
  const on = requested === undefined ? n >= 2 && taskset : requested && taskset && n >= 2
  if (!on) return { on: false, cores: n }
  return { on: true, cores: n, proxy: String(n - 1), harness: n > 2 ? `0-${n - 2}` : '0' }
}

/** Moves this process (every thread) to `cpuList`. */
export function pinSelf(cpuList) {
  execFileSync('taskset', ['-a', '-cp', cpuList, String(process.pid)], { stdio: 'ignore' })
}

/**
 * Spawns `node args...` (pinned to `cpuList` when given) and resolves once a stdout line matches
 * `ready`: { child, pid, match, stderr() }.
 */
export function startNode(args, { ready, cpuList, env, timeoutMs = 15_000, name }) {
  const [cmd, argv] = cpuList
    ? ['taskset', ['-c', cpuList, process.execPath, ...args]]
    : [process.execPath, args]
  // taskset execs node in place: the child's PID is node's PID.
  const child = spawn(cmd, argv, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  })
  started.add(child)
  child.once('exit', () => started.delete(child))
  let errText = ''
  child.stderr.setEncoding('utf8')
  child.stderr.on('data', (d) => {
    errText = (errText + d).slice(-4000)
  })
  return new Promise((resolve, reject) => {
    let out = ''
    const timer = setTimeout(
      () => fail(new Error(`${name}: not ready after ${timeoutMs} ms`)),
      timeoutMs,
    )
    const fail = (err) => {
      clearTimeout(timer)
      stop(child)
      reject(new Error(`${err.message}\n${errText}`))
    }
    child.once('exit', (code) => fail(new Error(`${name} exited with ${code}`)))
    child.stdout.setEncoding('utf8')
    child.stdout.on('data', (d) => {
      out += d
      const m = ready.exec(out)
      if (m) {
        clearTimeout(timer)
        child.removeAllListeners('exit')
        child.once('exit', () => started.delete(child))
        resolve({ child, pid: child.pid, match: m, stderr: () => errText })
      }
    })
  })
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the process has exited. */
export function stop(child, graceMs = 5_000) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      try {
        process.kill(child.pid, 'SIGKILL')
      } catch {}
    }, graceMs)
    child.once('exit', () => {
      clearTimeout(timer)
      resolve()
    })
    try {
      process.kill(child.pid, 'SIGTERM')
    } catch {
      clearTimeout(timer)
      resolve()
    }
  })
}

/** Kills whatever is still running (on exit, Ctrl-C, or a crash of the harness). */
export function stopAll() {
  for (const child of started) {
    try {
      process.kill(child.pid, 'SIGKILL')
    } catch {}
  }
  started.clear()
}
