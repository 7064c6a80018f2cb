import { it } from 'vitest'
import { createTextToolCallParser } from '../../src/toolcalls/parser.js'
import { TEXT_TOOL_FORMATS } from '../../src/toolcalls/types.js'
const time = (label: string, input: string, size = 4, think = false) => {
  const p = createTextToolCallParser({ formats: TEXT_TOOL_FORMATS, toolNames: ['Write'], think })
  const t0 = performance.now()
  let n = 0
  for (let i = 0; i < input.length; i += size) n += p.push(input.slice(i, i + size)).length
  n += p.end().length
  console.log(label, input.length, (performance.now() - t0).toFixed(1), 'ms', n)
}
it('perf', () => {
  const big = 'x <y [z {w '.repeat(20000)
  time('text', big)
  time('think', `<think>${big}</think>ok`, 4, true)
  time('hermes', `<tool_call>{"name":"Write","arguments":{"content":${JSON.stringify(big)}}}</tool_call>`)
  time('qwen', `<tool_call>\n<function=Write>\n<parameter=content>\n${big}\n</parameter>\n</function>\n</tool_call>`)
  time('harmony-final', `<|channel|>final<|message|>${big}`)
  time('harmony-call', `<|channel|>commentary to=functions.Write<|message|>{"content":${JSON.stringify(big)}}<|call|>`)
  time('mistral', `[TOOL_CALLS]Write[ARGS]{"content":${JSON.stringify(big)}}`)
  time('pythonic', `[Write(content=${JSON.stringify(big)})]`)
})
