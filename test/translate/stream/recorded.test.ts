/**
 * Every recorded backend stream (test/fixtures/backend-streams, see the shared README) through
 * decodeSse → openAIStreamToParts → AnthropicEventBuilder, cut at every awkward place.
 * Partial recordings (`*.partial.*`, `*.excerpt.*`) are checked for what they contain only.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createTextToolCallParser } from '../../../src/toolcalls/parser.js'
import type { TextToolCallParserOptions } from '../../../src/toolcalls/types.js'
import type { ContentBlock, StopReason, Usage } from '../../../src/translate/anthropic-types.js'
import { TextToolCallRescue } from '../../../src/translate/rescue.js'
import {
  eventLines,
  type Folded,
  foldAnthropicEvents,
  isPartial,
  loadStreamFixture,
  SPLITS,
  START,
  STREAM_FIXTURES,
  type TranslateOptions,
  translateOpenAI,
} from '../../helpers/stream-translate.js'

const est = (...texts: string[]) => Math.ceil(texts.join('').length / 3.5)
const usage = (input: number, output: number, cached = 0): Usage => ({
  input_tokens: input,
  output_tokens: output,
  cache_creation_input_tokens: 0,
  cache_read_input_tokens: cached,
})
const complete = (content: ContentBlock[], stop: StopReason, u: Usage): Folded => ({
  message: { ...START, content, stop_reason: stop, usage: u },
  complete: true,
})
const CUT = {
  type: 'api_error',
  message: 'the backend stream ended before the answer was complete',
}
const cut = (content: ContentBlock[]): Folded => ({
  message: { ...START, content },
  error: CUT,
  complete: false,
})

const HARMONY_ANALYSIS =
  'User says "test". Likely wants a test response. We\'ll respond acknowledging.'
const HARMONY_FINAL = 'Got it! If you have any questions or need assistance, just let me know.'
const WEATHER_TEXT = 'Hi there! Let me check the current weather for Washington DC for you.\n'

/** What each recording must translate to (the tool ids are the servers' own). */
const EXPECTED: Record<string, Folded> = {
  // HTTP 200, then a non-standard `error:` SSE field, then [DONE].
  'llamacpp-b5966-error-field-context-overflow.sse': {
    message: { ...START },
    error: {
      type: 'invalid_request_error',
      message: expect.stringMatching(/^prompt is too long.*exceeds the available context size/),
    },
    complete: false,
  },
  // Raw Harmony tokens stay text without a rescue; usage on the finish chunk, no cache_n.
  'llamacpp-b6097-gptoss-harmony-in-content.chunks.jsonl': complete(
    [
      {
        type: 'text',
        text: `<|channel|>analysis<|message|>${HARMONY_ANALYSIS}<|start|>assistant<|channel|>final<|message|>${HARMONY_FINAL}`,
      },
    ],
    'end_turn',
    usage(82, 43),
  ),
  // The leaked `<tool_call>\n<function=get_current_weather` is dropped once the real call comes.
  'llamacpp-qwen3coder-markup-leak-then-tool-call.chunks.jsonl': complete(
    [
      { type: 'text', text: WEATHER_TEXT },
      {
        type: 'tool_use',
        id: 'CALL_ID',
        name: 'get_current_weather',
        input: { location: 'Washington DC' },
      },
    ],
    'tool_use',
    usage(15, 35, 314),
  ),
  'llamacpp-qwen3coder-tool-call-fragments.chunks.jsonl': complete(
    [{ type: 'tool_use', id: 'v2dh...', name: 'run_command', input: { command: 'pwd' } }],
    'tool_use',
    usage(463, 20, 0),
  ),
  // Two argument fragments with `name: ""` and no id, then the recording stops.
  'lmstudio-0.3.16-qwen3-tool-args-empty-name.partial.chunks.jsonl': cut([]),
  'lmstudio-0.3.9-deepseek-r1-reasoning-content.partial.chunks.jsonl': cut([
    { type: 'thinking', thinking: 'le? An', signature: '' },
  ]),
  // Only a "\n" before the stop: a whitespace-only text block is never opened.
  'lmstudio-gemma2-stop-no-usage.partial.chunks.jsonl': complete(
    [],
    'end_turn',
    usage(1000, est('\n')),
  ),
  'ollama-0.13.5-qwen3-reasoning-head.partial.sse': cut([
    { type: 'thinking', thinking: 'Okay, the', signature: '' },
  ]),
  'ollama-0.13.5-qwen3-reasoning-length.excerpt.sse': complete(
    [{ type: 'thinking', thinking: 'Okay', signature: '' }],
    'max_tokens',
    usage(1000, est('Okay')),
  ),
  // No rescue configured here: the Hermes markup is text, and the recording stops mid-call.
  'ollama-llama3-groq-tool-use-hermes-in-content.partial.sse': cut([
    { type: 'text', text: '<tool_call>\n{"id":' },
  ]),
  'ollama-qwen2.5coder-parallel-tool-calls.chunks.jsonl': complete(
    [
      { type: 'tool_use', id: 'call_wteop8bt', name: 'run_command', input: { command: 'ls' } },
      { type: 'tool_use', id: 'call_rk2xye1l', name: 'run_command', input: { command: 'ls -l' } },
    ],
    'tool_use',
    usage(1000, est('{"command":"ls"}', '{"command":"ls -l"}')),
  ),
  'ollama-qwen2.5coder-plain-text.sse': complete(
    [{ type: 'text', text: 'My name is Neo Vim.' }],
    'end_turn',
    usage(1000, est('My name is Neo Vim.')),
  ),
  'ollama-qwen2.5coder-tool-call-one-chunk.chunks.jsonl': complete(
    [{ type: 'tool_use', id: 'call_hk81qg8b', name: 'run_command', input: { command: 'ls -la' } }],
    'tool_use',
    usage(1000, est('{"command":"ls -la"}')),
  ),
  'vllm-llama3.1-tool-call-usage-every-chunk.sse': complete(
    [
      {
        type: 'tool_use',
        id: 'chatcmpl-tool-b3b307239370432d9910d4b79b4dbbaa',
        name: 'searchGoogle',
        input: { query: 'latest news on ai' },
      },
    ],
    'tool_use',
    usage(226, 20),
  ),
  'vllm-qwen2.5-hermes-tool-call.sse': complete(
    [
      {
        type: 'tool_use',
        id: 'chatcmpl-tool-ca99dda515524c6abe47d1ea22813507',
        name: 'run_command',
        input: { command: 'ls' },
      },
    ],
    'tool_use',
    usage(1000, est('{"command": "ls"}')),
  ),
  // finish_reason "stop" after the call: still tool_use.
  'vllm-qwen2.5coder-tool-call-finish-stop.partial.sse': complete(
    [
      {
        type: 'tool_use',
        id: 'chatcmpl-tool-a331788bab1045a8',
        name: 'db_list_databases',
        input: { catalog: 'default' },
      },
    ],
    'tool_use',
    usage(1000, est('{"catalog":"default"}')),
  ),
  // Only `content: null` keep-alives before the recording stops.
  'vllm-qwen3coder-content-null-keepalive.partial.sse': cut([]),
}

describe('recorded backend streams → Anthropic events', () => {
  it('has an expectation for every recorded stream', () => {
    expect(STREAM_FIXTURES.length).toBeGreaterThanOrEqual(17)
    expect(STREAM_FIXTURES.filter((f) => !(f in EXPECTED))).toEqual([])
  })

  describe.each(STREAM_FIXTURES)('%s', (name) => {
    const bytes = loadStreamFixture(name)

    it('gives the expected events and message', async () => {
      const { events } = await translateOpenAI([bytes])
      const folded = foldAnthropicEvents(events)
      expect(folded).toEqual(EXPECTED[name])
      // A full recording is a finished answer; a partial one may end with an error.
      if (!isPartial(name) && !folded.error) expect(folded.complete).toBe(true)
      expect(eventLines(events)).toMatchSnapshot()
    })

    it('gives identical results however the bytes are cut', async () => {
      const whole = await translateOpenAI([bytes])
      for (const split of SPLITS)
        expect(await translateOpenAI(split.pieces(bytes)), split.name).toEqual(whole)
    })
  })
})

/** Recordings whose content carries markup the text-format rescue (tool-mapping) handles. */
const WITH_RESCUE: { name: string; parser: TextToolCallParserOptions; expected: Folded }[] = [
  {
    // The leak is dropped before the rescue sees it, so the call is not duplicated.
    name: 'llamacpp-qwen3coder-markup-leak-then-tool-call.chunks.jsonl',
    parser: { formats: ['qwen3-coder', 'hermes'], toolNames: ['get_current_weather'], think: true },
    expected: EXPECTED['llamacpp-qwen3coder-markup-leak-then-tool-call.chunks.jsonl']!,
  },
  {
    name: 'llamacpp-b6097-gptoss-harmony-in-content.chunks.jsonl',
    parser: { formats: ['harmony'], toolNames: ['run_command'] },
    expected: complete(
      [
        { type: 'thinking', thinking: HARMONY_ANALYSIS, signature: '' },
        { type: 'text', text: HARMONY_FINAL },
      ],
      'end_turn',
      usage(82, 43),
    ),
  },
  {
    // Cut inside the call: the held markup goes with the cut.
    name: 'ollama-llama3-groq-tool-use-hermes-in-content.partial.sse',
    parser: { formats: ['hermes'], toolNames: ['get_weather'] },
    expected: cut([]),
  },
]

describe('recorded streams with the text-format rescue', () => {
  describe.each(WITH_RESCUE)('$name', ({ name, parser, expected }) => {
    const bytes = loadStreamFixture(name)
    const options: TranslateOptions = {
      transforms: () => [new TextToolCallRescue(createTextToolCallParser(parser))],
    }

    it('gives the expected message however the bytes are cut', async () => {
      const whole = await translateOpenAI([bytes], options)
      expect(foldAnthropicEvents(whole.events)).toEqual(expected)
      for (const split of SPLITS)
        expect(await translateOpenAI(split.pieces(bytes), options), split.name).toEqual(whole)
    })
  })
})

describe('recorded streams cut at arbitrary byte positions (property)', () => {
  it('always translate the same', async () => {
    const wholes = new Map<string, unknown>()
    for (const name of STREAM_FIXTURES)
      wholes.set(name, await translateOpenAI([loadStreamFixture(name)]))
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...STREAM_FIXTURES),
        fc.array(fc.nat(), { maxLength: 40 }),
        fc.boolean(),
        async (name, cuts, crlf) => {
          let bytes = loadStreamFixture(name)
          if (crlf)
            bytes = new TextEncoder().encode(new TextDecoder().decode(bytes).replace(/\n/g, '\r\n'))
          const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b)
          const pieces = [0, ...points, bytes.length]
            .slice(0, -1)
            .map((p, i, all) => bytes.subarray(p, [...all.slice(1), bytes.length][i]))
            .filter((p) => p.length > 0)
          expect(await translateOpenAI(pieces)).toEqual(wholes.get(name))
        },
      ),
      { numRuns: 200, seed: 20260601 },
    )
  })
})
