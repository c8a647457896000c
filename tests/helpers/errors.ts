import type { MystiError } from '../../runtime/errors';

/**
 * The error `fn` throws, for assertions on its code, status and details.
 * @throws Error "expected a throw" when `fn` returns normally, so the test fails there
 */
export function thrown<E = MystiError>(fn: () => unknown): E {
  try {
    fn();
  } catch (err) {
    return err as E;
  }
  throw new Error('expected a throw');
}
