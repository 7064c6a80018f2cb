/**
 * @module thread-priority: Node's helper threads at a lower CPU priority than the main one (Linux).
 *
 * Why: a process's helper threads (V8's worker, libuv's pool) compete with its main thread for
 * CPU as equals. Where the proxy has one core, or shares its cores with the model, a compile job
 * that the main thread queued takes the core away from the request that queued it: a scheduler
 * trace of the shared harness's c=1 step showed a V8 worker running 1.8 ms in the middle of a
 * request's pre-upstream work, and the helpers used ~0.9 ms of CPU per request while the JIT
 * warmed up (the first ~20 s of load). At a lower priority they mostly run while the main thread
 * waits on the backend.
 *
 * Nice 10: added time to first token at c=1 1.7-1.9 ms (nice 5: 2.1-2.4, nice 0: 2.6). The
 * garbage collector runs on the main thread (node-flags.ts), so a busy main thread does not starve
 * it. Linux cannot raise a thread's priority back without privileges, so it is one fixed level.
 *
 * `setpriority` on a thread id changes that thread only on Linux; elsewhere (no `/proc`) this
 * does nothing.
 */
import { readdirSync } from 'node:fs'
import { setPriority } from 'node:os'

export const HELPER_NICE = 10

/**
 * Lowers every thread of this process except the main one, once each.
 * @param done thread ids already lowered (updated)
 */
function lowerHelperThreads(done: Set<number>): void {
  let tasks: string[]
  try {
    tasks = readdirSync('/proc/self/task')
  } catch {
    return
  }
  for (const task of tasks) {
    const tid = Number(task)
    if (tid === process.pid || done.has(tid)) continue
    try {
      setPriority(tid, HELPER_NICE)
      done.add(tid)
    } catch {
      // The thread ended meanwhile, or the system does not allow it: not worth a warning.
    }
  }
}

/**
 * Lowers the helper threads now and, unreferenced, every half minute: libuv starts its pool's
 * threads on first use (a DNS lookup, a trace file), after start-up.
 */
export function keepHelperThreadsLow(): void {
  const done = new Set<number>()
  lowerHelperThreads(done)
  setInterval(() => lowerHelperThreads(done), 30_000).unref()
}
