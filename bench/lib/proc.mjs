/**
 * @module bench/lib/proc: CPU time and memory of a process, from /proc (Linux only).
 */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'

let ticks
/** Clock ticks per second of utime/stime (`getconf CLK_TCK`, 100 on every common kernel). */
function clockTicks() {
  if (ticks === undefined) {
    try {
      ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100
    } catch {
      ticks = 100
    }
  }
  return ticks
}

/** utime + stime of `pid` in seconds (the process only: anyclaude has no child processes). */
export function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  // The command name may hold spaces or parentheses: fields are counted after its last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  // fields[0] is field 3 (state): utime is field 14, stime field 15.
  return (Number(fields[11]) + Number(fields[12])) / clockTicks()
}

/** VmRSS and VmHWM (the kernel's peak RSS) of `pid`, in MB. */
export function memoryMb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = (name) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0)
  return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 }
}

/** Samples RSS every `everyMs` between start() and stop(); stop() returns CPU and memory figures. */
export class ProcSampler {
  constructor(pid, everyMs = 100) {
    this.pid = pid
    this.everyMs = everyMs
  }

  start() {
    this.cpu0 = cpuSeconds(this.pid)
    this.peakRss = memoryMb(this.pid).rss
    this.timer = setInterval(() => {
      try {
        this.peakRss = Math.max(this.peakRss, memoryMb(this.pid).rss)
      } catch {
        // the process ended: stop() reports what was seen
      }
    }, this.everyMs)
    this.timer.unref()
  }

  stop() {
    clearInterval(this.timer)
    const mem = memoryMb(this.pid)
    return {
      cpuS: cpuSeconds(this.pid) - this.cpu0,
      rssPeakMb: Math.max(this.peakRss, mem.rss),
      rssEndMb: mem.rss,
      hwmMb: mem.hwm,
    }
  }
}

export const loadAverage = () =>
  readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')
