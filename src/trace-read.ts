/**
 * @module trace-read: reads recorded Anthropic requests for `replay` and `check-cache`. Three line
 * shapes are understood, in any mix: anyclaude trace lines (`{requestId, kind, data}`), the
 * recorder's capture lines (`{seq, method, path, headers, body}`, as in the Claude Code fixtures)
 * and bare request bodies (`{model, messages, ...}`). Folders are read file by file in name order,
 * which for trace folders is the order of the requests.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'

/** One `/v1/messages` exchange as recorded. */
export type RecordedExchange = {
  /** The request id (traces), `seq` (captures) or `file:line`. */
  id: string
  source: string
  headers: Record<string, string>
  /** The Anthropic request body. */
  body: Record<string, unknown>
  /** What the proxy answered, when the trace has it. */
  answer?: { status: number; contentType: string; body: string; backend?: string }
  /** What went to the backends (`upstream-request` lines). */
  upstream: unknown[]
}

type Json = Record<string, unknown>

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)
const isRequestBody = (v: unknown): v is Json => isObject(v) && Array.isArray(v.messages)

const stringHeaders = (v: unknown): Record<string, string> =>
  isObject(v)
    ? Object.fromEntries(
        Object.entries(v).filter((e): e is [string, string] => typeof e[1] === 'string'),
      )
    : {}

export class RecordingError extends Error {
  override name = 'RecordingError'
}

/**
 * The exchanges in one JSONL text, in order.
 * @param source a name for messages (`file`), used in ids of bare bodies
 * @throws RecordingError naming the line that is not JSON
 */
export function parseRecording(text: string, source: string): RecordedExchange[] {
  const out: RecordedExchange[] = []
  const byId = new Map<string, RecordedExchange>()
  text.split('\n').forEach((raw, n) => {
    const line = raw.trim()
    if (!line) return
    let rec: unknown
    try {
      rec = JSON.parse(line)
    } catch (e) {
      throw new RecordingError(`${source}:${n + 1}: not JSON (${(e as Error).message})`)
    }
    if (!isObject(rec)) return
    if (typeof rec.kind === 'string' && typeof rec.requestId === 'string') {
      const data = isObject(rec.data) ? rec.data : {}
      const id = rec.requestId
      if (rec.kind === 'anthropic-request' && isRequestBody(data.body)) {
        const ex: RecordedExchange = {
          id,
          source,
          headers: stringHeaders(data.headers),
          body: data.body,
          upstream: [],
        }
        byId.set(id, ex)
        out.push(ex)
        return
      }
      const ex = byId.get(id)
      if (!ex) return
      if (rec.kind === 'upstream-request') ex.upstream.push(data.body)
      else if (rec.kind === 'anthropic-stream') {
        const headers = stringHeaders(data.headers)
        ex.answer = {
          status: typeof data.status === 'number' ? data.status : 200,
          contentType: headers['content-type'] ?? '',
          body: typeof data.body === 'string' ? data.body : JSON.stringify(data.body ?? ''),
          ...(headers['x-anyclaude-backend'] && { backend: headers['x-anyclaude-backend'] }),
        }
      }
      return
    }
    if ('seq' in rec && 'method' in rec) {
      // A capture line: only the model requests (count_tokens and HEAD are not conversations).
      if (rec.method === 'POST' && rec.path === '/v1/messages' && isRequestBody(rec.body))
        out.push({
          id: String(rec.seq),
          source,
          headers: stringHeaders(rec.headers),
          body: rec.body,
          upstream: [],
        })
      return
    }
    if (isRequestBody(rec.body))
      out.push({
        id: `${source}:${n + 1}`,
        source,
        headers: stringHeaders(rec.headers),
        body: rec.body,
        upstream: [],
      })
    else if (isRequestBody(rec))
      out.push({ id: `${source}:${n + 1}`, source, headers: {}, body: rec, upstream: [] })
  })
  return out
}

/** Files and folders (their `*.jsonl` files, in name order) → exchanges, in order. */
export function readRecordings(paths: readonly string[]): RecordedExchange[] {
  const files: string[] = []
  for (const p of paths) {
    let isDir: boolean
    try {
      isDir = statSync(p).isDirectory()
    } catch (e) {
      throw new RecordingError(
        `cannot read ${p}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      )
    }
    if (isDir)
      files.push(
        ...readdirSync(p)
          .filter((f) => f.endsWith('.jsonl'))
          .sort()
          .map((f) => join(p, f)),
      )
    else files.push(p)
  }
  return files.flatMap((f) => parseRecording(readFileSync(f, 'utf8'), f))
}
