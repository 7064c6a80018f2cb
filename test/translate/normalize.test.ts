import { describe, expect, it } from 'vitest'
import type { MessageParamT, MessagesRequest } from '../../src/schemas/anthropic.js'
import { normalizeRequest } from '../../src/translate/normalize.js'

const BILLING = 'x-anthropic-billing-header: cc_version=2.1.197.123; cc_entrypoint=sdk-cli;'
const cc = { type: 'ephemeral' }

const request = (
  messages: MessageParamT[],
  extra: Partial<MessagesRequest> = {},
): MessagesRequest => ({
  model: 'claude-opus-4-8',
  max_tokens: 32000,
  messages,
  ...extra,
})
const norm = (req: MessagesRequest, stripBillingHeader = true) =>
  normalizeRequest(req, { stripBillingHeader })

describe('billing header', () => {
  const req = request([{ role: 'user', content: 'hi' }], {
    system: [
      { type: 'text', text: BILLING },
      { type: 'text', text: 'You are a Claude agent.', cache_control: cc },
    ],
  })

  it('removes the block when asked', () => {
    expect(norm(req).value.system).toEqual([{ type: 'text', text: 'You are a Claude agent.' }])
  })

  it('keeps it otherwise', () => {
    expect(norm(req, false).value.system).toEqual([
      { type: 'text', text: BILLING },
      { type: 'text', text: 'You are a Claude agent.' },
    ])
  })

  it('removes it as the first line of a string system prompt', () => {
    const value = norm(
      request([{ role: 'user', content: 'hi' }], { system: `${BILLING}\nBe brief.` }),
    ).value
    expect(value.system).toEqual([{ type: 'text', text: 'Be brief.' }])
  })

  it('leaves no system at all when the block was all there was', () => {
    const value = norm(
      request([{ role: 'user', content: 'hi' }], { system: [{ type: 'text', text: BILLING }] }),
    ).value
    expect(value).not.toHaveProperty('system')
  })
})

describe('role:system messages', () => {
  it('join the system prompt, in order, when they come before the first assistant message', () => {
    const { value, warnings } = norm(
      request(
        [
          { role: 'user', content: 'hi' },
          { role: 'system', content: 'Agents: claude, explore' },
          { role: 'system', content: [{ type: 'text', text: 'Skills: none', cache_control: cc }] },
          { role: 'assistant', content: 'Hello' },
          { role: 'user', content: 'bye' },
        ],
        { system: 'You are helpful.' },
      ),
    )
    expect(value.system).toEqual([
      { type: 'text', text: 'You are helpful.' },
      { type: 'text', text: 'Agents: claude, explore' },
      { type: 'text', text: 'Skills: none' },
    ])
    expect(value.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user'])
    expect(warnings).toEqual([])
  })

  it('join the system prompt when there is no assistant message yet (Claude Code first turn)', () => {
    const value = norm(
      request([
        { role: 'user', content: 'hi' },
        { role: 'system', content: 'Agents' },
      ]),
    ).value
    expect(value.system).toEqual([{ type: 'text', text: 'Agents' }])
    expect(value.messages).toEqual([{ role: 'user', content: 'hi' }])
  })

  const reminder = '<system-reminder>\nLate note\n</system-reminder>'

  it('later ones become a system-reminder in the next user turn, after its tool results', () => {
    const { value, warnings } = norm(
      request([
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'Bash', input: {} }] },
        { role: 'system', content: 'Late note' },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 't1', content: 'ok' },
            { type: 'text', text: 'go on' },
          ],
        },
      ]),
    )
    expect(value.messages[2]).toEqual({
      role: 'user',
      content: [
        { type: 'tool_result', tool_use_id: 't1', content: 'ok' },
        { type: 'text', text: reminder },
        { type: 'text', text: 'go on' },
      ],
    })
    expect(value.messages).toHaveLength(3)
    expect(warnings).toEqual([])
  })

  it('a later one with no user turn after it becomes a user message of its own', () => {
    const value = norm(
      request([
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: 'Hello' },
        { role: 'system', content: 'Late note' },
        { role: 'assistant', content: 'More' },
      ]),
    ).value
    expect(value.messages).toEqual([
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: 'Hello' },
      { role: 'user', content: reminder },
      { role: 'assistant', content: 'More' },
    ])
  })

  it('a trailing one joins the user turn it stands after, as it would once more turns follow', () => {
    const head: MessageParamT[] = [
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: 'Hello' },
      { role: 'user', content: 'now' },
      { role: 'system', content: 'Late note' },
    ]
    const short = norm(request(head))
    const long = norm(request([...head, { role: 'assistant', content: 'ok' }]))
    const merged = {
      role: 'user',
      content: [
        { type: 'text', text: 'now' },
        { type: 'text', text: reminder },
      ],
    }
    expect(short.value.messages[2]).toEqual(merged)
    expect(long.value.messages[2]).toEqual(merged)
    expect(short.warnings).toEqual([])
  })
})

describe('cache_control, empty blocks, canonical content', () => {
  it('drops cache_control everywhere', () => {
    const { value } = norm(
      request(
        [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'a', cache_control: cc },
              {
                type: 'tool_result',
                tool_use_id: 'x',
                content: [{ type: 'text', text: 'r', cache_control: cc }],
                cache_control: cc,
              },
            ],
          },
        ],
        {
          system: [{ type: 'text', text: 's', cache_control: cc }],
          tools: [{ name: 'T', input_schema: { type: 'object' }, cache_control: cc }],
          cache_control: cc,
        } as Partial<MessagesRequest>,
      ),
    )
    expect(JSON.stringify(value)).not.toContain('cache_control')
  })

  it('renders a single text block like the plain string Claude Code re-sends it as', () => {
    const a = norm(
      request([{ role: 'user', content: [{ type: 'text', text: 'Run it', cache_control: cc }] }]),
    )
    const b = norm(request([{ role: 'user', content: 'Run it' }]))
    expect(a.value.messages).toEqual(b.value.messages)
    expect(a.value.messages[0]?.content).toBe('Run it')
  })

  it('keeps several blocks as an array', () => {
    const content = [
      { type: 'text' as const, text: 'a' },
      { type: 'text' as const, text: 'b' },
    ]
    expect(norm(request([{ role: 'user', content }])).value.messages[0]?.content).toEqual(content)
  })

  it('drops empty text blocks, and messages left empty, with a warning', () => {
    const { value, warnings } = norm(
      request([
        {
          role: 'user',
          content: [
            { type: 'text', text: '' },
            { type: 'text', text: 'hi' },
          ],
        },
        { role: 'assistant', content: [{ type: 'text', text: '' }] },
        { role: 'assistant', content: 'Hello' },
      ]),
    )
    expect(value.messages).toEqual([
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: 'Hello' },
    ])
    expect(warnings).toEqual(['messages[1]: dropped an empty assistant message'])
  })
})

describe('consecutive same-role messages', () => {
  it('are merged, tool results first, with a warning', () => {
    const { value, warnings } = norm(
      request([
        { role: 'user', content: 'first' },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: 'x' }] },
        { role: 'assistant', content: 'a' },
        { role: 'assistant', content: 'b' },
      ]),
    )
    expect(value.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 't', content: 'x' },
          { type: 'text', text: 'first' },
        ],
      },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'a' },
          { type: 'text', text: 'b' },
        ],
      },
    ])
    expect(warnings).toEqual([
      'merged consecutive user messages',
      'merged consecutive assistant messages',
    ])
  })
})

describe('purity', () => {
  const req = request(
    [
      { role: 'user', content: [{ type: 'text', text: 'hi', cache_control: cc }] },
      { role: 'system', content: 'Agents' },
      { role: 'assistant', content: 'Hello' },
    ],
    {
      system: [
        { type: 'text', text: BILLING },
        { type: 'text', text: 'S', cache_control: cc },
      ],
    },
  )

  it('does not mutate its input', () => {
    const before = JSON.stringify(req)
    norm(req)
    expect(JSON.stringify(req)).toBe(before)
  })

  it('is idempotent', () => {
    const once = norm(req).value
    expect(norm(once).value).toEqual(once)
  })

  it('keeps the other fields', () => {
    const value = norm({ ...req, thinking: { type: 'adaptive' }, metadata: { user_id: 'u' } }).value
    expect(value.thinking).toEqual({ type: 'adaptive' })
    expect(value.model).toBe('claude-opus-4-8')
  })
})
