// Goal: the JSON logger writes one parseable line per entry at or above its level, with the
// base fields; the silent logger writes nothing.
import { describe, expect, it } from 'vitest';
import { createJsonLogger, silentLogger } from './logger.js';

describe('createJsonLogger', () => {
  it('writes JSON lines at or above its level, with base and call fields', () => {
    const lines: string[] = [];
    const log = createJsonLogger({
      level: 'warn',
      write: (l) => lines.push(l),
      fields: { member: 'n1' },
    });
    log.info({ a: 1 }, 'hidden');
    log.warn({ peer: 'n2' }, 'peer unreachable');
    log.error({}, 'disk full');
    expect(lines).toHaveLength(2);
    expect(lines.every((l) => l.endsWith('\n'))).toBe(true);
    const first = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(first).toMatchObject({
      level: 'warn',
      msg: 'peer unreachable',
      member: 'n1',
      peer: 'n2',
    });
    expect(typeof first['ts']).toBe('string');
  });

  it('says nothing at level silent, nor through the silent logger', () => {
    const lines: string[] = [];
    createJsonLogger({ level: 'silent', write: (l) => lines.push(l) }).error({}, 'x');
    silentLogger.error({}, 'y');
    expect(lines).toEqual([]);
  });
});
