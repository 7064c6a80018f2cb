/**
 * @module test/e2e/claude-version: the one place the end-to-end suite pins Claude Code.
 * 2.1.197 is the version the request fixtures in test/fixtures/claude-code were recorded with.
 */
export const CLAUDE_CODE_VERSION = '2.1.197'
