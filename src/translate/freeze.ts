/**
 * @module translate/freeze: values shared between requests are frozen, so that nothing that
 * handles one request can change what another one sees.
 */

/** Freezes `value` and everything in it (stops at parts already frozen). */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const v of Object.values(value)) deepFreeze(v)
  }
  return value
}
