/** @module toolcalls: rescuing tool calls models print as text, and repairing their arguments. */
export { createTextToolCallParser, mergePieces, parseTextToolCalls } from './parser.js'
export { isCompleteJsonObject, type RepairResult, repairToolArguments } from './repair.js'
export {
  type ParsedPiece,
  TEXT_TOOL_FORMATS,
  type TextToolCallParser,
  type TextToolCallParserOptions,
  type TextToolFormat,
} from './types.js'
