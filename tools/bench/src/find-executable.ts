import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * The full path of executable `name` on `searchPath` (default: `$PATH`), or `undefined`.
 * Used to find the real `etcd` and `etcdctl` that benchmarks and chaos runs compare against.
 */
export function findExecutable(
  name: string,
  searchPath = process.env['PATH'] ?? '',
): string | undefined {
  for (const dir of searchPath.split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not here, or not executable: keep looking in the next directory.
    }
  }
  return undefined;
}
