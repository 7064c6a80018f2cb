/**
 * @module backends/kinds/openai: any other OpenAI Chat Completions server (OpenAI API v1 as typed
 * by the `openai` package 6.x; protocol.md §5). Conservative defaults.
 */
import type { KindProfile } from '../types.js'
import { BASE_DEFAULTS } from './base.js'

/** The generic defaults as they are (see `base.ts` for why each is what it is). */
export const openai: KindProfile = { defaults: { ...BASE_DEFAULTS } }
