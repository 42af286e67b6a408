/** Thrown when an invariant does not hold: a bug, never an operating condition. */
export class AssertionError extends Error {
  override readonly name = 'AssertionError';
}

/** Always-on assertion (STYLE.md §8): throws `AssertionError` when `cond` is false. */
export function assert(cond: unknown, message: string): asserts cond {
  if (!cond) throw new AssertionError(message);
}
