// Goal: `keel --version` prints etcd's layout with Keel's own versions.
import { describe, expect, it } from 'vitest';
import { versionText } from './version.js';

describe('versionText', () => {
  it('names keel, the etcd API and the runtime, one per line', () => {
    const lines = versionText().split('\n');
    expect(lines[0]).toBe('keel Version: 0.1.0');
    expect(lines[1]).toBe('etcd API Version: 3.6');
    expect(lines[2]).toBe(`Node Version: ${process.version}`);
    expect(lines).toHaveLength(4);
  });
});
