/**
 * @module bench/lib/check: incremental SSE readers that time and validate one response stream.
 *
 * `AnthropicCheck` checks what anyclaude sends (event grammar, exact text, the tool input equal to
 * what the backend sent); `OpenAICheck` checks the backend's own stream for the direct steps. Both
 * take decoded text as it arrives (`feed`), note when the first content delta came (`firstAt`),
 * and give a verdict at the end (`finish`): `failure` is the first problem found, or undefined.
 */
import { jsonEqual } from './answer.mjs'

/** Splits decoded text into SSE events (LF or CRLF framing); calls `onEvent(name, data)`. */
class SseSplitter {
  #buf = ''
  constructor(onEvent) {
    this.onEvent = onEvent
  }

  feed(text) {
    this.#buf += text
    for (;;) {
      let end = this.#buf.indexOf('\n\n')
      let sep = 2
      const crlf = this.#buf.indexOf('\r\n\r\n')
      if (crlf >= 0 && (end < 0 || crlf < end)) {
        end = crlf
        sep = 4
      }
      if (end < 0) return
      const block = this.#buf.slice(0, end)
      this.#buf = this.#buf.slice(end + sep)
      let name
      let data
      for (const line of block.split(/\r?\n/)) {
        if (line.startsWith('event:')) name = line.slice(6).trim()
        else if (line.startsWith('data:'))
          data =
            data === undefined ? line.slice(5).trimStart() : `${data}\n${line.slice(5).trimStart()}`
      }
      if (data !== undefined || name !== undefined) this.onEvent(name, data)
    }
  }

  get rest() {
    return this.#buf
  }
}

export class AnthropicCheck {
  /** @param expect {{ text: string, tool?: { name: string, args: object } }} */
  constructor(expect) {
    this.expect = expect
    this.events = 0
    this.firstAt = undefined
    this.failure = undefined
    this.warnings = []
    this.text = ''
    this.started = false
    this.stopped = false
    this.open = undefined
    this.nextIndex = 0
    this.tools = []
    this.stopReason = undefined
    this.usage = undefined
    this.now = 0
    this.sse = new SseSplitter((name, data) => this.#event(name, data))
  }

  #fail(kind) {
    this.failure ??= kind
  }

  feed(text, now) {
    this.now = now
    this.sse.feed(text)
  }

  #event(name, data) {
    let ev
    try {
      ev = JSON.parse(data)
    } catch {
      return this.#fail('invalid-json')
    }
    this.events++
    if (name !== ev.type) this.#fail('event-name')
    if (ev.type === 'ping') return
    if (this.stopped) return this.#fail('event-after-message_stop')
    if (!this.started) {
      if (ev.type !== 'message_start') return this.#fail('message_start-not-first')
      this.started = true
      return
    }
    switch (ev.type) {
      case 'content_block_start': {
        if (this.open) return this.#fail('overlapping-blocks')
        if (ev.index !== this.nextIndex) this.#fail('block-index')
        this.nextIndex = ev.index + 1
        const block = ev.content_block ?? {}
        this.open = { index: ev.index, type: block.type, json: '' }
        if (block.type === 'tool_use') {
          this.open.id = block.id
          this.open.name = block.name
        }
        return
      }
      case 'content_block_delta': {
        if (!this.open || this.open.index !== ev.index) return this.#fail('delta-outside-block')
        if (this.firstAt === undefined) this.firstAt = this.now
        const d = ev.delta ?? {}
        if (d.type === 'text_delta' && this.open.type === 'text') this.text += d.text
        else if (d.type === 'input_json_delta' && this.open.type === 'tool_use')
          this.open.json += d.partial_json
        else if (d.type === 'thinking_delta' && this.open.type === 'thinking') {
          // no thinking expected from the fake: counted, not checked
        } else this.#fail('delta-type')
        return
      }
      case 'content_block_stop': {
        if (!this.open || this.open.index !== ev.index) return this.#fail('stop-outside-block')
        if (this.open.type === 'tool_use') this.tools.push(this.open)
        this.open = undefined
        return
      }
      case 'message_delta':
        if (this.open) this.warnings.push('message_delta-inside-block')
        if (this.stopReason !== undefined) this.warnings.push('message_delta-repeated')
        this.stopReason = ev.delta?.stop_reason
        this.usage = ev.usage
        return
      case 'message_stop':
        this.stopped = true
        return
      case 'error':
        return this.#fail(`error-event:${ev.error?.type}`)
      default:
        return this.#fail(`unknown-event:${ev.type}`)
    }
  }

  /** The verdict once the body has ended. */
  finish() {
    if (this.sse.rest.trim() !== '') this.#fail('trailing-bytes')
    if (!this.stopped) this.#fail('no-message_stop')
    if (this.open) this.#fail('block-not-closed')
    if (this.text !== this.expect.text) this.#fail('text-differs')
    const want = this.expect.tool
    if (want) {
      const got = this.tools[0]
      if (this.tools.length !== 1) this.#fail(`tool-calls:${this.tools.length}`)
      else if (got.name !== want.name) this.#fail('tool-name')
      else if (!got.id) this.#fail('tool-id')
      else {
        let input
        try {
          input = JSON.parse(got.json)
        } catch {
          this.#fail('tool-input-invalid-json')
        }
        if (input !== undefined && !jsonEqual(input, want.args)) this.#fail('tool-input-differs')
      }
      if (this.stopReason !== 'tool_use') this.warnings.push('stop_reason-not-tool_use')
    } else if (this.tools.length > 0) this.#fail('unexpected-tool-call')
    if (!(this.usage?.output_tokens > 0)) this.warnings.push('no-output_tokens')
    if (!(this.usage?.input_tokens > 0) && !(this.usage?.cache_read_input_tokens > 0))
      this.warnings.push('no-input_tokens')
    return this.failure
  }
}

export class OpenAICheck {
  constructor(expect) {
    this.expect = expect
    this.events = 0
    this.firstAt = undefined
    this.failure = undefined
    this.warnings = []
    this.text = ''
    this.args = new Map()
    this.done = false
    this.finishReason = undefined
    this.now = 0
    this.sse = new SseSplitter((_name, data) => this.#event(data))
  }

  feed(text, now) {
    this.now = now
    this.sse.feed(text)
  }

  #event(data) {
    if (data === '[DONE]') {
      this.done = true
      return
    }
    let chunk
    try {
      chunk = JSON.parse(data)
    } catch {
      this.failure ??= 'invalid-json'
      return
    }
    this.events++
    const choice = chunk.choices?.[0]
    if (!choice) return
    const delta = choice.delta ?? {}
    if (typeof delta.content === 'string' && delta.content !== '') {
      if (this.firstAt === undefined) this.firstAt = this.now
      this.text += delta.content
    }
    for (const tc of delta.tool_calls ?? []) {
      const entry = this.args.get(tc.index) ?? { name: '', json: '' }
      if (tc.function?.name) entry.name = tc.function.name
      if (tc.function?.arguments) entry.json += tc.function.arguments
      this.args.set(tc.index, entry)
    }
    if (choice.finish_reason) this.finishReason = choice.finish_reason
  }

  finish() {
    if (!this.done) this.failure ??= 'no-[DONE]'
    if (this.text !== this.expect.text) this.failure ??= 'text-differs'
    const want = this.expect.tool
    if (want) {
      const got = this.args.get(0)
      let input
      try {
        input = JSON.parse(got?.json ?? '')
      } catch {}
      if (!got || got.name !== want.name || !jsonEqual(input, want.args))
        this.failure ??= 'tool-call-differs'
    }
    return this.failure
  }
}
