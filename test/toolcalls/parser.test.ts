/**
 * Table-driven tests of the text tool-call parser: real model outputs (test/fixtures/backend-streams)
 * and hand-made cases, each run whole, one character at a time and in seeded random chunks.
 */
import { describe, expect, it } from 'vitest'
import { createTextToolCallParser, parseTextToolCalls } from '../../src/toolcalls/parser.js'
import type { TextToolCallParserOptions, TextToolFormat } from '../../src/toolcalls/types.js'
import {
  type Comparable,
  call,
  chunkings,
  comparable,
  contentChunks,
  fixture,
  reasoning,
  runChunks,
  text,
} from './helpers.js'

type Case = {
  name: string
  formats: TextToolFormat[]
  tools: string[]
  think?: boolean
  assumeThinkOpen?: boolean
  input: string
  expected: Comparable[]
}

const BASH = ['Bash', 'Read', 'Write']
const between = (s: string, open: string, close: string) =>
  s.slice(s.indexOf(open) + open.length, s.indexOf(close))

const deepseek = fixture('deepseek-r1-distill-qwen-lmstudio-think-TOOL_REQUEST.txt')
const qwen35 = fixture('qwen3.5-4b-llamacpp-b9294-think-without-open-tag.txt')

const cases: Case[] = [
  // Hermes / Qwen2.5
  {
    name: 'hermes: Hermes-2-Pro fixture, arguments before name',
    formats: ['hermes'],
    tools: ['get_current_weather'],
    input: fixture('hermes-2-pro-llama3-8b-tool-call.txt'),
    expected: [call('get_current_weather', { city: 'Dallas', state: 'TX', unit: 'fahrenheit' })],
  },
  {
    name: 'hermes: text before and after',
    formats: ['hermes'],
    tools: BASH,
    input:
      'Let me look.\n<tool_call>\n{"name": "Bash", "arguments": {"command": "ls -la"}}\n</tool_call>\nDone.',
    expected: [text('Let me look.\n'), call('Bash', { command: 'ls -la' }), text('\nDone.')],
  },
  {
    name: 'hermes: parameters key and stringified arguments',
    formats: ['hermes'],
    tools: BASH,
    input:
      '<tool_call>{"name": "Bash", "parameters": {"command": "pwd"}}</tool_call>' +
      '<tool_call>{"name": "Read", "arguments": "{\\"file_path\\": \\"/a b\\"}"}</tool_call>',
    expected: [call('Bash', { command: 'pwd' }), call('Read', { file_path: '/a b' })],
  },
  {
    name: 'hermes: several calls with text between, OpenAI-shaped and array bodies',
    formats: ['hermes'],
    tools: BASH,
    input:
      'First:\n<tool_call>\n{"type": "function", "function": {"name": "Read", "arguments": {"file_path": "a"}}}\n</tool_call>\nthen\n' +
      '<tool_call>[{"name": "Bash", "arguments": {"command": "a"}}, {"name": "Bash", "arguments": {"command": "b"}}]</tool_call>',
    expected: [
      text('First:\n'),
      call('Read', { file_path: 'a' }),
      text('\nthen\n'),
      call('Bash', { command: 'a' }),
      call('Bash', { command: 'b' }),
    ],
  },
  {
    name: 'hermes: missing </tool_call> at the end of the stream',
    formats: ['hermes'],
    tools: BASH,
    input: '<tool_call>\n{"name": "Bash", "arguments": {"command": "ls"}}\n',
    expected: [call('Bash', { command: 'ls' }), text('\n')],
  },
  {
    name: 'hermes: missing </tool_call> before the next call',
    formats: ['hermes'],
    tools: BASH,
    input:
      '<tool_call>{"name": "Bash", "arguments": {"command": "a"}}\n<tool_call>{"name": "Bash", "arguments": {"command": "b"}}</tool_call>',
    expected: [call('Bash', { command: 'a' }), text('\n'), call('Bash', { command: 'b' })],
  },
  {
    name: 'hermes: arguments cut off by the token limit',
    formats: ['hermes'],
    tools: BASH,
    input: '<tool_call>\n{"name": "Write", "arguments": {"file_path": "a.txt", "content": "hel',
    expected: [call('Write', { file_path: 'a.txt', content: 'hel' }, true)],
  },
  {
    name: 'hermes: a half-written closing tag at the end is dropped',
    formats: ['hermes'],
    tools: BASH,
    input: '<tool_call>{"name": "Bash", "arguments": {"command": "ls"}}</tool_',
    expected: [call('Bash', { command: 'ls' })],
  },
  {
    name: 'hermes: undeclared name stays text',
    formats: ['hermes'],
    tools: BASH,
    input: 'Hmm <tool_call>{"name": "rm_rf", "arguments": {}}</tool_call> ok',
    expected: [text('Hmm <tool_call>{"name": "rm_rf", "arguments": {}}</tool_call> ok')],
  },
  {
    name: 'hermes: the tag mentioned in prose stays text',
    formats: ['hermes', 'qwen3-coder'],
    tools: BASH,
    input: 'Wrap calls in <tool_call> tags, <tab> and <tool> are not calls.',
    expected: [text('Wrap calls in <tool_call> tags, <tab> and <tool> are not calls.')],
  },
  {
    name: 'hermes: names are matched case-insensitively and without functions.',
    formats: ['hermes'],
    tools: BASH,
    input:
      '<tool_call>{"name": "bash", "arguments": {"command": "a"}}</tool_call><tool_call>{"name": "functions.Read", "arguments": {}}</tool_call>',
    expected: [call('Bash', { command: 'a' }), call('Read', {})],
  },

  // Qwen3-Coder XML
  {
    name: 'qwen3-coder: tabbyAPI fixture',
    formats: ['qwen3-coder'],
    tools: ['read'],
    input: fixture('qwen3-coder-xml-tool-call.txt'),
    expected: [call('read', { file_path: 'README.md' }), text('\n')],
  },
  {
    name: 'qwen3-coder: values with <, several lines, and exactly one newline stripped',
    formats: ['qwen3-coder', 'hermes'],
    tools: BASH,
    input:
      'Writing it.\n<tool_call>\n<function=Write>\n<parameter=file_path>\n/tmp/a.ts\n</parameter>\n' +
      '<parameter=content>\n\nif (a < b && c > d) {\n  el.innerHTML = "<div></div>"\n}\n\n</parameter>\n</function>\n</tool_call>',
    expected: [
      text('Writing it.\n'),
      call('Write', {
        file_path: '/tmp/a.ts',
        content: '\nif (a < b && c > d) {\n  el.innerHTML = "<div></div>"\n}\n',
      }),
    ],
  },
  {
    name: 'qwen3-coder: a value containing </tool_call> and <function=',
    formats: ['qwen3-coder'],
    tools: BASH,
    input:
      '<tool_call>\n<function=Write>\n<parameter=content>\nparse("<tool_call><function=x>")\n// </tool_call>\n</parameter>\n</function>\n</tool_call>',
    expected: [call('Write', { content: 'parse("<tool_call><function=x>")\n// </tool_call>' })],
  },
  {
    name: 'qwen3-coder: unclosed at the end of the stream',
    formats: ['qwen3-coder'],
    tools: BASH,
    input: '<tool_call>\n<function=Bash>\n<parameter=command>\nls -la\n',
    expected: [call('Bash', { command: 'ls -la' }, true)],
  },
  {
    name: 'qwen3-coder: missing </parameter> and </tool_call>',
    formats: ['qwen3-coder'],
    tools: BASH,
    input: '<tool_call>\n<function=Bash>\n<parameter=command>\npwd\n</function>',
    expected: [call('Bash', { command: 'pwd' })],
  },
  {
    name: 'qwen3-coder: several calls, bare <function= without <tool_call>',
    formats: ['qwen3-coder'],
    tools: BASH,
    input:
      '<tool_call>\n<function=Bash>\n<parameter=command>\na\n</parameter>\n</function>\n</tool_call>\n' +
      '<function=Read>\n<parameter=file_path>\nb\n</parameter>\n</function>\nafter',
    expected: [
      call('Bash', { command: 'a' }),
      text('\n'),
      call('Read', { file_path: 'b' }),
      text('\nafter'),
    ],
  },
  {
    name: 'qwen3-coder: undeclared function stays text',
    formats: ['qwen3-coder'],
    tools: BASH,
    input: '<tool_call>\n<function=delete_everything>\n</function>\n</tool_call>',
    expected: [text('<tool_call>\n<function=delete_everything>\n</function>\n</tool_call>')],
  },
  {
    name: 'qwen3-coder: llama-server markup leak cut off after the name stays text',
    formats: ['qwen3-coder', 'hermes'],
    tools: ['get_current_weather'],
    input: contentChunks('llamacpp-qwen3coder-markup-leak-then-tool-call.chunks.jsonl').join(''),
    expected: [
      text(contentChunks('llamacpp-qwen3coder-markup-leak-then-tool-call.chunks.jsonl').join('')),
    ],
  },

  // Llama 3.1 JSON
  {
    name: 'llama3-json: Rapid-MLX fixture with "parameters" and no python_tag',
    formats: ['llama3-json'],
    tools: ['web_search'],
    input: fixture('llama-3.1-8b-mlx-json-tool-call.txt'),
    expected: [call('web_search', { query: '你好' })],
  },
  {
    name: 'llama3-json: <|python_tag|> and <|eom_id|>, leading whitespace',
    formats: ['llama3-json'],
    tools: BASH,
    input: '\n\n<|python_tag|>{"name": "Bash", "parameters": {"command": "ls"}}<|eom_id|>',
    expected: [text('\n\n'), call('Bash', { command: 'ls' })],
  },
  {
    name: 'llama3-json: two calls separated by ;',
    formats: ['llama3-json'],
    tools: BASH,
    input:
      '{"name": "Bash", "parameters": {"command": "a"}}; {"name": "Read", "parameters": {"file_path": "b"}}',
    expected: [call('Bash', { command: 'a' }), text(' '), call('Read', { file_path: 'b' })],
  },
  {
    name: 'llama3-json: a { in the middle of prose is not a call',
    formats: ['llama3-json'],
    tools: BASH,
    input: 'Send {"name": "Bash", "parameters": {"command": "ls"}} to run it.',
    expected: [text('Send {"name": "Bash", "parameters": {"command": "ls"}} to run it.')],
  },
  {
    name: 'llama3-json: a JSON answer is not a call',
    formats: ['llama3-json'],
    tools: BASH,
    input: '{"result": {"name": "Bash"}, "ok": true}',
    expected: [text('{"result": {"name": "Bash"}, "ok": true}')],
  },
  {
    name: 'llama3-json: undeclared name and brace prose stay text',
    formats: ['llama3-json'],
    tools: BASH,
    input: '{"name": "search", "parameters": {}} {and more}',
    expected: [text('{"name": "search", "parameters": {}} {and more}')],
  },

  // Mistral
  {
    name: 'mistral: v3 array with ids',
    formats: ['mistral'],
    tools: BASH,
    input:
      'Sure. [TOOL_CALLS] [{"name": "Bash", "arguments": {"command": "ls -la"}, "id": "a1B2c3D4e"}, {"name": "Read", "arguments": {"file_path": "x"}, "id": "b1B2c3D4e"}]',
    expected: [
      text('Sure. '),
      call('Bash', { command: 'ls -la' }),
      call('Read', { file_path: 'x' }),
    ],
  },
  {
    name: 'mistral: v11 name[ARGS]{...}, twice, one with [CALL_ID]',
    formats: ['mistral'],
    tools: BASH,
    input:
      '[TOOL_CALLS]Bash[ARGS]{"command": "ls -la"}[TOOL_CALLS]Read[CALL_ID]a1B2c3D4e[ARGS] {"file_path": "y"}',
    expected: [call('Bash', { command: 'ls -la' }), call('Read', { file_path: 'y' })],
  },
  {
    name: 'mistral: the token mentioned in prose stays text',
    formats: ['mistral', 'lmstudio'],
    tools: BASH,
    input: 'The [TOOL_CALLS] token and [TOOL_REQUEST] tag, [TOOLS] too.',
    expected: [text('The [TOOL_CALLS] token and [TOOL_REQUEST] tag, [TOOLS] too.')],
  },
  {
    name: 'mistral: v11 cut off',
    formats: ['mistral'],
    tools: BASH,
    input: '[TOOL_CALLS]Write[ARGS]{"file_path": "a", "content": "par',
    // Raw arguments as written: repairToolArguments closes them.
    expected: [call('Write', { unparsed: '{"file_path": "a", "content": "par' }, true)],
  },

  // LM Studio, and <think>
  {
    name: 'lmstudio + think: DeepSeek-R1 fixture, the call quoted in <think> is not executed',
    formats: ['lmstudio'],
    tools: ['weather_GET'],
    think: true,
    input: deepseek,
    expected: [
      reasoning(between(deepseek, '<think>', '</think>')),
      text('\n\n'),
      call('weather_GET', { zoneId: 'Asia/Shanghai' }),
    ],
  },
  {
    name: 'lmstudio: missing [END_TOOL_REQUEST], text after',
    formats: ['lmstudio'],
    tools: BASH,
    input: '[TOOL_REQUEST]{"name": "Bash", "arguments": {"command": "x"}} and done',
    expected: [call('Bash', { command: 'x' }), text(' and done')],
  },

  // Pythonic
  {
    name: 'pythonic: Llama 4 parallel fixture',
    formats: ['pythonic'],
    tools: ['get_todays_date', 'get_weather'],
    input: fixture('llama4-pythonic-parallel-tool-calls.txt'),
    expected: [
      call('get_todays_date', {}),
      call('get_weather', { location: 'Dublin, Ireland', date: '2025-04-14' }),
    ],
  },
  {
    name: 'pythonic: Python literals',
    formats: ['pythonic'],
    tools: ['f'],
    input: `[f(a='it\\'s', b="say \\"hi\\"\\n", c=-1.5e3, d=True, e=None, g=[1, (2, 3)], h={'k': False, 1: 'x'}, i=r'\\d+', j='''x'y''')]`,
    expected: [
      call('f', {
        a: "it's",
        b: 'say "hi"\n',
        c: -1500,
        d: true,
        e: null,
        g: [1, [2, 3]],
        h: { k: false, '1': 'x' },
        i: '\\d+',
        j: "x'y",
      }),
    ],
  },
  {
    name: 'pythonic: LFM2 markers with text after',
    formats: ['pythonic'],
    tools: ['get_weather'],
    input:
      'Checking.<|tool_call_start|>[get_weather(location="Paris")]<|tool_call_end|>One moment.',
    expected: [text('Checking.'), call('get_weather', { location: 'Paris' }), text('One moment.')],
  },
  {
    name: 'pythonic: Markdown links and lists stay text',
    formats: ['pythonic'],
    tools: ['get_weather'],
    input: '[get_weather](https://x) is a [link], see [1, 2]',
    expected: [text('[get_weather](https://x) is a [link], see [1, 2]')],
  },
  {
    name: 'pythonic: only where the answer starts, only declared names',
    formats: ['pythonic'],
    tools: ['get_weather'],
    input: 'See [get_weather(location="x")]',
    expected: [text('See [get_weather(location="x")]')],
  },
  {
    name: 'pythonic: undeclared name stays text',
    formats: ['pythonic'],
    tools: ['get_weather'],
    input: '[delete_all(force=True)]',
    expected: [text('[delete_all(force=True)]')],
  },

  // Harmony
  {
    name: 'harmony: llama-server fixture, analysis then a call without <|call|>',
    formats: ['harmony'],
    tools: ['run_command'],
    input: fixture('gpt-oss-20b-harmony-tool-call.txt'),
    expected: [
      reasoning(
        "We need to run a command to get current directory. Use 'pwd'. Use the run_command tool.",
      ),
      call('run_command', { command: 'pwd' }),
    ],
  },
  {
    name: 'harmony: vllm-mlx degenerate fixture',
    formats: ['harmony'],
    tools: ['Read'],
    input: fixture('gpt-oss-20b-mlx-harmony-degenerate.txt'),
    expected: [call('Read', { file_path: '/path/to/README.md' }), text('We need to read file.')],
  },
  {
    name: 'harmony: llama-server b6097 stream, analysis then final',
    formats: ['harmony', 'hermes'],
    tools: BASH,
    input: contentChunks('llamacpp-b6097-gptoss-harmony-in-content.chunks.jsonl').join(''),
    expected: [
      reasoning('User says "test". Likely wants a test response. We\'ll respond acknowledging.'),
      text('Got it! If you have any questions or need assistance, just let me know.'),
    ],
  },
  {
    name: 'harmony: full messages with end tokens, constrain, undeclared recipient',
    formats: ['harmony'],
    tools: BASH,
    input:
      'Hi <|start|>assistant<|channel|>analysis<|message|>Think.<|end|>' +
      '<|start|>assistant<|channel|>commentary to=functions.Bash <|constrain|>json<|message|>{"command":"ls"}<|call|>' +
      '<|start|>assistant<|channel|>commentary to=functions.nope json<|message|>{}<|call|>' +
      '<|start|>assistant<|channel|>final<|message|>Done.<|return|>',
    expected: [
      text('Hi '),
      reasoning('Think.'),
      call('Bash', { command: 'ls' }),
      text('<|start|>assistant<|channel|>commentary to=functions.nope json<|message|>{}Done.'),
    ],
  },

  // <think>
  {
    name: 'think: markup inside reasoning is not executed, the call after it is',
    formats: ['hermes'],
    tools: BASH,
    think: true,
    input:
      '<think>\nI could send <tool_call>{"name": "Bash", "arguments": {"command": "rm"}}</tool_call>.\n</think>\n\n' +
      '<tool_call>{"name": "Bash", "arguments": {"command": "ls"}}</tool_call>',
    expected: [
      reasoning(
        '\nI could send <tool_call>{"name": "Bash", "arguments": {"command": "rm"}}</tool_call>.\n',
      ),
      text('\n\n'),
      call('Bash', { command: 'ls' }),
    ],
  },
  {
    name: 'think: pre-filled <think> (assumeThinkOpen), Qwen3.5 fixture',
    formats: ['hermes'],
    tools: BASH,
    think: true,
    assumeThinkOpen: true,
    input: qwen35,
    expected: [
      reasoning(qwen35.slice(0, qwen35.indexOf('</think>'))),
      text(qwen35.slice(qwen35.indexOf('</think>') + 8)),
    ],
  },
  {
    name: 'think: bare </think> while streaming without assumeThinkOpen: tag dropped, text kept',
    formats: ['hermes'],
    tools: BASH,
    think: true,
    input: qwen35,
    expected: [text(qwen35.replace('</think>', ''))],
  },
  {
    name: 'think: assumeThinkOpen with an explicit <think> anyway; llama3 call after reasoning',
    formats: ['llama3-json'],
    tools: BASH,
    think: true,
    assumeThinkOpen: true,
    input: '<think>hm</think>\n{"name": "Bash", "parameters": {"command": "ls"}}',
    expected: [reasoning('hm'), text('\n'), call('Bash', { command: 'ls' })],
  },
  {
    name: 'think: <think> later in the text is prose, and so is a later </think>',
    formats: ['hermes'],
    tools: BASH,
    think: true,
    input: 'Models write <think>x</think> first.',
    expected: [text('Models write <think>x</think> first.')],
  },
  {
    name: 'think: unclosed reasoning at the end stays reasoning',
    formats: [],
    tools: [],
    think: true,
    input: '  <think>still thinking </thi',
    expected: [text('  '), reasoning('still thinking </thi')],
  },
]

const optionsOf = (c: Case): TextToolCallParserOptions => ({
  formats: c.formats,
  toolNames: c.tools,
  think: c.think,
  assumeThinkOpen: c.assumeThinkOpen,
})

describe('createTextToolCallParser', () => {
  for (const c of cases) {
    describe(c.name, () => {
      for (const [label, chunks] of chunkings(c.input)) {
        it(label, () => {
          expect(comparable(runChunks(optionsOf(c), chunks))).toEqual(c.expected)
        })
      }
    })
  }

  it('releases text at once and holds only a possible marker', () => {
    const parser = createTextToolCallParser({ formats: ['hermes'], toolNames: BASH })
    expect(parser.push('Hello <to')).toEqual([{ type: 'text', text: 'Hello ' }])
    expect(parser.push('o')).toEqual([])
    expect(parser.push('x and')).toEqual([{ type: 'text', text: '<toox and' }])
    expect(parser.push(' <tab')).toEqual([{ type: 'text', text: ' <tab' }])
    expect(parser.push('<tool_call>{"name": "Bash", ')).toEqual([])
    expect(parser.push('"arguments": {}}</tool_call>!')).toEqual([
      { type: 'tool-call', name: 'Bash', arguments: '{}' },
      { type: 'text', text: '!' },
    ])
    expect(parser.end()).toEqual([])
  })

  it('streams reasoning as it arrives', () => {
    const parser = createTextToolCallParser({ formats: ['hermes'], toolNames: BASH, think: true })
    expect(parser.push('<thi')).toEqual([])
    expect(parser.push('nk>abc')).toEqual([{ type: 'reasoning', text: 'abc' }])
    expect(parser.push('de</th')).toEqual([{ type: 'reasoning', text: 'de' }])
    expect(parser.push('ink>Hi')).toEqual([{ type: 'text', text: 'Hi' }])
  })

  it('holds leading text only while it may be <think>', () => {
    const parser = createTextToolCallParser({ formats: [], toolNames: [], think: true })
    expect(parser.push('<th')).toEqual([])
    expect(parser.push('ere')).toEqual([{ type: 'text', text: '<there' }])
  })

  it('streams Harmony reasoning and final text as they arrive', () => {
    const parser = createTextToolCallParser({ formats: ['harmony'], toolNames: [] })
    expect(parser.push('<|channel|>analysis<|message|>Hm')).toEqual([
      { type: 'reasoning', text: 'Hm' },
    ])
    expect(parser.push('m<|en')).toEqual([{ type: 'reasoning', text: 'm' }])
    expect(parser.push('d|><|start|>assistant<|channel|>final<|message|>Yes')).toEqual([
      { type: 'text', text: 'Yes' },
    ])
  })
})

describe('parseTextToolCalls', () => {
  it('treats text before a bare </think> as reasoning when it sees the whole answer', () => {
    expect(
      comparable(parseTextToolCalls(qwen35, { formats: ['hermes'], toolNames: [], think: true })),
    ).toEqual([
      reasoning(qwen35.slice(0, qwen35.indexOf('</think>'))),
      text(qwen35.slice(qwen35.indexOf('</think>') + 8)),
    ])
  })

  it('parses several formats at once', () => {
    const pieces = parseTextToolCalls(
      'A<tool_call>{"name": "Bash", "arguments": {"command": "a"}}</tool_call>B[TOOL_REQUEST]{"name": "Read", "arguments": {}}[END_TOOL_REQUEST]C',
      { formats: ['hermes', 'lmstudio', 'mistral'], toolNames: BASH },
    )
    expect(comparable(pieces)).toEqual([
      text('A'),
      call('Bash', { command: 'a' }),
      text('B'),
      call('Read', {}),
      text('C'),
    ])
  })

  it('leaves every format off when none is given', () => {
    const input = '<tool_call>{"name": "Bash", "arguments": {}}</tool_call>'
    expect(parseTextToolCalls(input, { formats: [], toolNames: BASH })).toEqual([text(input)])
  })
})

describe('performance', () => {
  // A 220 KB `Write` in 4-character chunks: ~5-10 s when the body was re-read on every push.
  const big = 'x <y [z {w '.repeat(20000)
  const bodies: [TextToolFormat, string][] = [
    [
      'hermes',
      `<tool_call>{"name":"Write","arguments":{"content":${JSON.stringify(big)}}}</tool_call>`,
    ],
    [
      'qwen3-coder',
      `<tool_call>\n<function=Write>\n<parameter=content>\n${big}\n</parameter>\n</function>\n</tool_call>`,
    ],
    [
      'harmony',
      `<|channel|>commentary to=functions.Write<|message|>{"content":${JSON.stringify(big)}}`,
    ],
  ]
  for (const [format, input] of bodies) {
    it(`stays linear on a long ${format} call`, () => {
      const started = performance.now()
      const pieces = runChunks(
        { formats: [format], toolNames: ['Write'] },
        Array.from({ length: Math.ceil(input.length / 4) }, (_, i) =>
          input.slice(i * 4, i * 4 + 4),
        ),
      )
      expect(comparable(pieces)).toEqual([call('Write', { content: big })])
      expect(performance.now() - started).toBeLessThan(2000)
    })
  }
})
