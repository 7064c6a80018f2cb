/**
 * @module toolcalls/parser: the streaming text-format tool-call parser.
 *
 * Text is released as soon as it cannot be the start of a marker; from a marker on, the text is
 * held and fed to the readers of the formats that own the marker until one says where the call
 * ends. Reasoning (`<think>`) is streamed as it arrives, and markup inside it is never executed.
 */

import { createHarmonyParser, HARMONY_MARKERS } from './formats/harmony.js'
import { TOOL_CALL_FORMATS } from './formats/index.js'
import type { CallReader, ToolCallFormat } from './formats/types.js'
import { createToolNameContext } from './names.js'
import { matchToken, partialSuffixLength, shouldScan, skipWhitespace } from './scan.js'
import type { ParsedPiece, TextToolCallParser, TextToolCallParserOptions } from './types.js'

const THINK_OPEN = '<think>'
const THINK_CLOSE = '</think>'

type Marker = {
  text: string
  kind: 'call' | 'harmony' | 'think-open' | 'think-text' | 'think-close'
  anchored: boolean
  inBody: boolean
  formats: ToolCallFormat[]
}

type OpenCall = {
  marker: Marker
  readers: { format: ToolCallFormat; reader: CallReader }[]
  body: string
  /** Body length at the last scan. */
  scanned: number
}

function collectMarkers(options: TextToolCallParserOptions): Marker[] {
  const byText = new Map<string, Marker>()
  for (const format of TOOL_CALL_FORMATS) {
    if (!options.formats.includes(format.id)) continue
    for (const spec of format.markers) {
      const known = byText.get(spec.text)
      if (known) known.formats.push(format)
      else {
        const anchored = spec.anchored === true
        const inBody = spec.inBody === true
        byText.set(spec.text, {
          text: spec.text,
          kind: 'call',
          anchored,
          inBody,
          formats: [format],
        })
      }
    }
  }
  const markers = [...byText.values()]
  if (options.formats.includes('harmony')) {
    for (const text of HARMONY_MARKERS) {
      markers.push({ text, kind: 'harmony', anchored: false, inBody: true, formats: [] })
    }
  }
  if (options.think) {
    const think = { anchored: false, inBody: false, formats: [] }
    markers.push({ ...think, text: THINK_OPEN, kind: 'think-open', anchored: true })
    // `<think>` later in the text is prose, but it means a later `</think>` is not a bare one.
    markers.push({ ...think, text: THINK_OPEN, kind: 'think-text' })
    markers.push({ ...think, text: THINK_CLOSE, kind: 'think-close' })
  }
  return markers
}

/** The longest marker complete at `s[p..]`, or `wait` while a marker may still be completing. */
function markerAt(s: string, p: number, markers: readonly Marker[], final: boolean) {
  let best: Marker | undefined
  for (const m of markers) {
    const r = matchToken(s, p, m.text)
    if (r === 'partial' && !final) return { wait: true as const }
    if (r === 'full' && (!best || m.text.length > best.text.length)) best = m
  }
  return { wait: false as const, marker: best }
}

/**
 * Creates the parser for one answer.
 *
 * @param options.formats formats to recognise; `options.toolNames` the declared tools (calls of
 *   other names stay text); `options.think` splits `<think>` reasoning; `options.assumeThinkOpen`
 *   starts inside reasoning (templates that pre-fill `<think>`).
 * @example
 * const parser = createTextToolCallParser({ formats: ['hermes'], toolNames: ['Bash'] })
 * parser.push('Listing.<tool_call>{"name": "Bash", "arguments": {"command": "ls"}}</tool_call>')
 * // → [{ type: 'text', text: 'Listing.' }, { type: 'tool-call', name: 'Bash', arguments: '{"command":"ls"}' }]
 */
export function createTextToolCallParser(options: TextToolCallParserOptions): TextToolCallParser {
  const ctx = createToolNameContext(options.toolNames)
  const markers = collectMarkers(options)
  const assumeOpen = options.think === true && options.assumeThinkOpen === true

  let mode: 'text' | 'think' | 'call' | 'harmony' = assumeOpen ? 'think' : 'text'
  let buf = ''
  /** At the start of the answer (or after reasoning or a call), where anchored markers count. */
  let anchored = true
  /** `<think>` opens reasoning only at the very start of the answer. */
  let thinkOpenAllowed = !assumeOpen
  /** Reasoning was seen (opened, assumed or closed): a later bare `</think>` is plain text. */
  let sawThink = assumeOpen
  /** Inside assumed-open reasoning, an explicit `<think>` may still come first: drop it. */
  let reasoningStart = assumeOpen
  let call: OpenCall | undefined
  let harmony: TextToolCallParser | undefined
  let out: ParsedPiece[] = []

  const active = (m: Marker): boolean => {
    if (m.kind === 'think-open') return thinkOpenAllowed
    if (m.kind === 'think-text' || m.kind === 'think-close') return !sawThink
    return true
  }
  // The markers in play change only with `thinkOpenAllowed` and `sawThink`: worked out once per
  // state, not for every chunk of text.
  let stateKey = -1
  let unanchoredNow: Marker[] = []
  let anchoredNow: Marker[] = []
  let firstChars = new Set<string | undefined>()
  const refresh = () => {
    const key = (thinkOpenAllowed ? 1 : 0) | (sawThink ? 2 : 0)
    if (key === stateKey) return
    stateKey = key
    unanchoredNow = markers.filter((m) => !m.anchored && active(m))
    anchoredNow = markers.filter((m) => m.anchored && active(m))
    firstChars = new Set(unanchoredNow.map((m) => m.text[0]))
  }
  const unanchored = () => {
    refresh()
    return unanchoredNow
  }
  const anchoredOnly = () => {
    refresh()
    return anchoredNow
  }

  const emit = (type: 'text' | 'reasoning', text: string) => {
    if (text === '') return
    const last = out[out.length - 1]
    if (last?.type === type) last.text += text
    else out.push({ type, text })
  }
  const emitAll = (pieces: ParsedPiece[]) => {
    for (const p of pieces) {
      if (p.type === 'tool-call') out.push(p)
      else emit(p.type, p.text)
    }
  }

  /** Acts on marker `m` found at `s[p]`; true = continue in the new mode. */
  const enter = (m: Marker, s: string, p: number): boolean => {
    emit('text', s.slice(0, p))
    thinkOpenAllowed = false
    const rest = s.slice(p + m.text.length)
    buf = ''
    switch (m.kind) {
      case 'think-open':
        sawThink = true
        mode = 'think'
        buf = rest
        return true
      case 'think-text':
        sawThink = true
        emit('text', m.text)
        buf = rest
        return true
      case 'think-close':
        // A bare `</think>` after text already released (a template pre-filled `<think>` and
        // `assumeThinkOpen` was not set): drop the tag and start the answer over.
        sawThink = true
        anchored = true
        buf = rest
        return true
      case 'harmony':
        mode = 'harmony'
        harmony = createHarmonyParser(ctx)
        emitAll(harmony.push(s.slice(p)))
        return false
      case 'call': {
        const readers = m.formats.map((format) => ({ format, reader: format.open(m.text, ctx) }))
        call = { marker: m, readers, body: m.inBody ? s.slice(p) : rest, scanned: 0 }
        mode = 'call'
        return true
      }
    }
  }

  const stepText = (final: boolean): boolean => {
    const s = buf
    if (anchored) {
      const anchors = anchoredOnly()
      if (anchors.length === 0) anchored = false
      else {
        const i = skipWhitespace(s, 0)
        // Hold leading whitespace: a call or `<think>` may follow.
        if (i === s.length && !final) return false
        const found = markerAt(s, i, [...anchors, ...unanchored()], final)
        if (found.wait) return false
        anchored = false
        thinkOpenAllowed = false
        if (found.marker) return enter(found.marker, s, i)
      }
    }
    const candidates = unanchored()
    const firsts = firstChars
    for (let p = 0; p < s.length; p++) {
      if (!firsts.has(s[p])) continue
      const found = markerAt(s, p, candidates, final)
      if (found.wait) {
        emit('text', s.slice(0, p))
        buf = s.slice(p)
        return false
      }
      if (found.marker) return enter(found.marker, s, p)
    }
    emit('text', s)
    buf = ''
    return false
  }

  const stepThink = (final: boolean): boolean => {
    let s = buf
    if (reasoningStart) {
      const i = skipWhitespace(s, 0)
      const r = matchToken(s, i, THINK_OPEN)
      if (r === 'partial' && !final) return false
      reasoningStart = false
      if (r === 'full') s = s.slice(i + THINK_OPEN.length)
    }
    const close = s.indexOf(THINK_CLOSE)
    if (close >= 0) {
      emit('reasoning', s.slice(0, close))
      buf = s.slice(close + THINK_CLOSE.length)
      mode = 'text'
      anchored = true
      return true
    }
    const hold = final ? 0 : partialSuffixLength(s, [THINK_CLOSE])
    emit('reasoning', s.slice(0, s.length - hold))
    buf = s.slice(s.length - hold)
    return false
  }

  const finishCall = (c: OpenCall, format: ToolCallFormat, reader: CallReader, n: number) => {
    const text = c.body.slice(0, n)
    const calls = reader.parse(text)?.map((raw) => ({ raw, name: ctx.resolve(raw.name) }))
    if (calls && calls.length > 0 && calls.every((x) => x.name !== undefined)) {
      for (const { raw, name } of calls) {
        const piece: ParsedPiece = {
          type: 'tool-call',
          name: name ?? raw.name,
          arguments: raw.arguments,
        }
        out.push(raw.truncated ? { ...piece, truncated: true } : piece)
      }
    } else {
      // Not a call of a declared tool: the markup is the model's text.
      emit('text', (c.marker.inBody ? '' : c.marker.text) + text)
    }
    buf = c.body.slice(n)
    call = undefined
    mode = 'text'
    // Formats anchored at the answer's start may follow one call with another.
    anchored = format.markers.some((m) => m.anchored)
  }

  const stepCall = (final: boolean): boolean => {
    const c = call as OpenCall
    if (!shouldScan(c.body.length, c.scanned, final)) return false
    c.scanned = c.body.length
    for (const { format, reader } of [...c.readers]) {
      const r = reader.scan(c.body, final)
      if (typeof r === 'number') {
        finishCall(c, format, reader, r)
        return true
      }
      if (r === 'abort') c.readers = c.readers.filter((x) => x.reader !== reader)
    }
    if (c.readers.length > 0) return false
    // Not a call: release the marker's first character as text and look again after it.
    const held = (c.marker.inBody ? '' : c.marker.text) + c.body
    emit('text', held.slice(0, 1))
    buf = held.slice(1)
    call = undefined
    mode = 'text'
    return true
  }

  const run = (final: boolean): ParsedPiece[] => {
    let again = true
    while (again) {
      if (mode === 'text') again = stepText(final)
      else if (mode === 'think') again = stepThink(final)
      else if (mode === 'call') again = stepCall(final)
      else again = false
    }
    if (final && harmony) emitAll(harmony.end())
    if (out.length === 0) return []
    const pieces = out
    out = []
    return pieces
  }

  return {
    push(text) {
      if (text === '') return []
      if (mode === 'harmony' && harmony) {
        emitAll(harmony.push(text))
        return run(false)
      }
      if (mode === 'call' && call) call.body += text
      else buf += text
      return run(false)
    },
    end() {
      return run(true)
    },
  }
}

/**
 * Parses a whole answer (non-streaming responses). Unlike the streaming parser it can see a bare
 * `</think>` before deciding, so it assumes pre-filled reasoning when `think` is on and the text
 * has `</think>` but no `<think>` (Qwen3.5 on llama-server b9294, llama.cpp#23320).
 */
export function parseTextToolCalls(
  text: string,
  options: TextToolCallParserOptions,
): ParsedPiece[] {
  const assumeThinkOpen =
    options.assumeThinkOpen ??
    (options.think === true && text.includes(THINK_CLOSE) && !text.includes(THINK_OPEN))
  const parser = createTextToolCallParser({ ...options, assumeThinkOpen })
  return mergePieces([...parser.push(text), ...parser.end()])
}

/** Joins adjacent text pieces and adjacent reasoning pieces (pieces from several pushes). */
export function mergePieces(pieces: readonly ParsedPiece[]): ParsedPiece[] {
  const merged: ParsedPiece[] = []
  for (const piece of pieces) {
    const last = merged[merged.length - 1]
    if (piece.type !== 'tool-call' && last?.type === piece.type) {
      merged[merged.length - 1] = { type: piece.type, text: last.text + piece.text }
    } else merged.push(piece.type === 'tool-call' ? piece : { ...piece })
  }
  return merged
}
