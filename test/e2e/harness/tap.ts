/**
 * @module test/e2e/harness/tap: a pass-through HTTP hop between Claude Code and anyclaude that
 * records each answer's status and headers (Claude Code itself does not show them), e.g. to read
 * the `x-anyclaude-backend` header Claude Code received.
 */
import { createServer, request, type Server } from 'node:http'

export type Tapped = {
  method: string
  path: string
  status: number
  headers: Record<string, string>
}

export type RunningTap = { url: string; seen: Tapped[]; stop(): Promise<void> }

/** @param target the base URL to forward to (anyclaude's) */
export async function startTap(target: string): Promise<RunningTap> {
  const to = new URL(target)
  const seen: Tapped[] = []
  const server: Server = createServer((req, res) => {
    const upstream = request(
      {
        host: to.hostname,
        port: to.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: to.host },
      },
      (answer) => {
        const headers: Record<string, string> = {}
        for (const [k, v] of Object.entries(answer.headers))
          if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v
        seen.push({
          method: req.method ?? '',
          path: req.url ?? '',
          status: answer.statusCode ?? 0,
          headers,
        })
        res.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(res)
      },
    )
    upstream.on('error', () => res.destroy())
    // Claude Code hung up: hang up on anyclaude too, as a direct connection would.
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy()
    })
    req.pipe(upstream)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const addr = server.address()
  const port = typeof addr === 'object' && addr ? addr.port : 0
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
