/**
 * @module replay-fold: an Anthropic answer as recorded (SSE text or a JSON body) → one folded
 * message, rendered as plain text for a line diff. Tolerant: a stream cut short or ending in an
 * `error` event still folds into what arrived.
 */

export type FoldedBlock =
  | { type: 'text'; text: string }
  | { type: 'thinking'; text: string }
  | { type: 'tool_use'; name: string; input: unknown }
  | { type: 'other'; kind: string }

export type FoldedAnswer = {
  status: number
  blocks: FoldedBlock[]
  stopReason: string | null
  usage?: Record<string, unknown>
  error?: { type: string; message: string }
  /** The stream ended without `message_stop`. */
  truncated: boolean
}

type Json = Record<string, unknown>

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)

/** `data:` payloads of an SSE text, in order (comments and `[DONE]` skipped). */
export function sseData(text: string): unknown[] {
  const out: unknown[] = []
  for (const frame of text.replace(/\r\n?/g, '\n').split('\n\n')) {
    const data = frame
      .split('\n')
      .filter((l) => l.startsWith('data:'))
      .map((l) => l.slice(l.startsWith('data: ') ? 6 : 5))
      .join('\n')
    if (!data || data === '[DONE]') continue
    try {
      out.push(JSON.parse(data))
    } catch {
      // A frame cut by the end of the recording.
    }
  }
  return out
}

function blockOf(raw: unknown): { block: FoldedBlock; json: string } {
  const b = isObject(raw) ? raw : {}
  switch (b.type) {
    case 'text':
      return { block: { type: 'text', text: String(b.text ?? '') }, json: '' }
    case 'thinking':
      return { block: { type: 'thinking', text: String(b.thinking ?? '') }, json: '' }
    case 'redacted_thinking':
      return { block: { type: 'other', kind: 'redacted_thinking' }, json: '' }
    case 'tool_use':
      return {
        block: { type: 'tool_use', name: String(b.name ?? ''), input: b.input ?? {} },
        json: '',
      }
    default:
      return { block: { type: 'other', kind: String(b.type ?? 'unknown') }, json: '' }
  }
}

/** Folds Anthropic stream events as the SDK's accumulator does, without throwing. */
export function foldEvents(events: readonly unknown[], status = 200): FoldedAnswer {
  const out: FoldedAnswer = { status, blocks: [], stopReason: null, truncated: true }
  const json = new Map<number, string>()
  const slots: Array<{ block: FoldedBlock } | undefined> = []
  for (const raw of events) {
    if (!isObject(raw)) continue
    const index = typeof raw.index === 'number' ? raw.index : -1
    switch (raw.type) {
      case 'content_block_start':
        slots[index] = blockOf(raw.content_block)
        break
      case 'content_block_delta': {
        const slot = slots[index]
        const d = isObject(raw.delta) ? raw.delta : {}
        if (!slot) break
        if (d.type === 'text_delta' && slot.block.type === 'text')
          slot.block.text += String(d.text ?? '')
        else if (d.type === 'thinking_delta' && slot.block.type === 'thinking')
          slot.block.text += String(d.thinking ?? '')
        else if (d.type === 'input_json_delta')
          json.set(index, (json.get(index) ?? '') + String(d.partial_json ?? ''))
        break
      }
      case 'content_block_stop': {
        const slot = slots[index]
        const text = json.get(index)
        if (slot?.block.type === 'tool_use' && text !== undefined) {
          try {
            slot.block.input = text === '' ? {} : JSON.parse(text)
          } catch {
            slot.block.input = text
          }
        }
        break
      }
      case 'message_delta': {
        const d = isObject(raw.delta) ? raw.delta : {}
        out.stopReason = typeof d.stop_reason === 'string' ? d.stop_reason : null
        if (isObject(raw.usage)) out.usage = raw.usage
        break
      }
      case 'message_stop':
        out.truncated = false
        break
      case 'error': {
        const e = isObject(raw.error) ? raw.error : {}
        out.error = { type: String(e.type ?? 'error'), message: String(e.message ?? '') }
        break
      }
      default:
        break
    }
  }
  out.blocks = slots.filter((s) => s !== undefined).map((s) => s.block)
  return out
}

/** A non-streaming answer: a message, or an error body. */
export function foldMessage(body: unknown, status: number): FoldedAnswer {
  const out: FoldedAnswer = { status, blocks: [], stopReason: null, truncated: false }
  if (!isObject(body)) {
    out.error = { type: 'invalid_body', message: String(body).slice(0, 500) }
    return out
  }
  if (body.type === 'error' || isObject(body.error)) {
    const e = isObject(body.error) ? body.error : {}
    out.error = { type: String(e.type ?? 'error'), message: String(e.message ?? '') }
    return out
  }
  out.blocks = (Array.isArray(body.content) ? body.content : []).map((b) => blockOf(b).block)
  out.stopReason = typeof body.stop_reason === 'string' ? body.stop_reason : null
  if (isObject(body.usage)) out.usage = body.usage
  return out
}

/**
 * Folds an answer as recorded: SSE when it looks like SSE, else JSON.
 * @example foldAnswer({ status: 200, contentType: 'text/event-stream', body: sseText })
 */
export function foldAnswer(answer: {
  status: number
  contentType?: string
  body: string
}): FoldedAnswer {
  const sse =
    (answer.contentType ?? '').includes('event-stream') ||
    /^(event|data):/m.test(answer.body.slice(0, 200))
  if (sse) return foldEvents(sseData(answer.body), answer.status)
  let json: unknown
  try {
    json = JSON.parse(answer.body)
  } catch {
    json = answer.body
  }
  return foldMessage(json, answer.status)
}

/** The folded message as lines: ids, usage and timings left out, since they always differ. */
export function renderAnswer(a: FoldedAnswer): string[] {
  const lines = [
    `status ${a.status}, stop_reason ${a.stopReason ?? 'none'}${a.truncated && !a.error ? ' (stream cut short)' : ''}`,
  ]
  for (const b of a.blocks) {
    switch (b.type) {
      case 'text':
        lines.push('── text', ...b.text.split('\n'))
        break
      case 'thinking':
        lines.push('── thinking', ...b.text.split('\n'))
        break
      case 'tool_use':
        lines.push(`── tool_use ${b.name}`, ...JSON.stringify(b.input, null, 2).split('\n'))
        break
      case 'other':
        lines.push(`── ${b.kind}`)
        break
      default: {
        const _exhaustive: never = b
        return _exhaustive
      }
    }
  }
  if (a.error) lines.push(`── error ${a.error.type}`, ...a.error.message.split('\n'))
  return lines
}
