// Goal: the article's put/get loop writes, reads back and prints each round through a real etcd
// v3 client against a real etcd v3 server, and stops on its round budget or its signal.
import { startEtcd, type EtcdProcess } from '@keel/bench-kit';
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPutGetLoop } from './put-get-loop.js';

let etcd: EtcdProcess;
let client: Etcd3;

beforeAll(async () => {
  etcd = await startEtcd();
  client = new Etcd3({ hosts: etcd.clientUrl });
}, 30_000);

afterAll(async () => {
  client.close();
  await etcd.stop();
});

describe('runPutGetLoop', () => {
  it('puts, reads back and prints every round', async () => {
    const lines: string[] = [];
    const values = [42, 7, 99];
    const result = await runPutGetLoop({
      client,
      intervalMs: 10,
      rounds: 3,
      nextInt: () => values.shift() ?? 0,
      print: (l) => lines.push(l),
    });
    expect(lines).toEqual([
      'yandaojiumozhi : mibao-42',
      'yandaojiumozhi : mibao-7',
      'yandaojiumozhi : mibao-99',
    ]);
    expect(result).toEqual({ rounds: 3, acknowledged: 3, failed: 0 });
    expect(await client.get('yandaojiumozhi').string()).toBe('mibao-99');
  });

  it('stops when its signal aborts', async () => {
    const ac = new AbortController();
    const lines: string[] = [];
    const result = await runPutGetLoop({
      client,
      intervalMs: 60_000,
      rounds: 0,
      nextInt: () => 1,
      print: (l) => {
        lines.push(l);
        ac.abort();
      },
      signal: ac.signal,
    });
    expect(result.rounds).toBe(1);
    expect(lines).toEqual(['yandaojiumozhi : mibao-1']);
  });
});
