// Goal: a real etcd (Debian's etcd-server) starts on free loopback ports, serves a put and a get
// through etcdctl, and is stopped with its data directory removed.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { startEtcd } from './etcd-process.js';

describe('startEtcd', () => {
  it('starts a healthy etcd that etcdctl can use, and stops it', async () => {
    const etcd = await startEtcd();
    try {
      const ctl = (...args: string[]) =>
        execFileSync('etcdctl', [`--endpoints=${etcd.clientUrl}`, ...args], {
          env: { ...process.env, ETCDCTL_API: '3' },
        }).toString();
      expect(ctl('put', 'k', 'v').trim()).toBe('OK');
      expect(ctl('get', 'k', '--print-value-only').trim()).toBe('v');
    } finally {
      await etcd.stop();
    }
    expect(existsSync(etcd.dataDir)).toBe(false);
  }, 30_000);
});
