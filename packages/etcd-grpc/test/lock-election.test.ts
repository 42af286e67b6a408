// Goal: the v3lock and v3election services hand out a lock or leadership to one caller at a
// time, in arrival order, and report etcd's answers. Method: raw gRPC calls with protobuf bytes
// from the schema against a real server over a kv-mvcc store; leases are granted on the backend.
import { Client, credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messageType } from '../src/proto.js';
import { startTestServer, type TestServer } from './harness.js';

let t: TestServer;
let client: Client;

beforeAll(async () => {
  t = await startTestServer();
  client = new Client(t.endpoint, credentials.createInsecure());
});

afterAll(async () => {
  client.close();
  await t.close();
});

const b = (s: string): Buffer => Buffer.from(s);

/** Calls `service/method` with `req` encoded as `reqType`; resolves with the decoded reply. */
function call(
  path: string,
  types: [string, string],
  req: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const [reqType, resType] = types.map((n) => messageType(n)) as [
    ReturnType<typeof messageType>,
    ReturnType<typeof messageType>,
  ];
  const bytes = Buffer.from(reqType.encode(reqType.fromObject(req)).finish());
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest(
      path,
      (x: Buffer) => x,
      (x: Buffer) => x,
      bytes,
      new Metadata(),
      { deadline: Date.now() + 8000 },
      (err, reply) => {
        if (err !== null) reject(err);
        else
          resolve(
            resType.toObject(resType.decode(reply!), {
              longs: Number,
              bytes: String,
              defaults: true,
            }),
          );
      },
    );
  });
}

const str = (base64: unknown): string => Buffer.from(base64 as string, 'base64').toString();

async function lease(): Promise<number> {
  return (await t.backend.leaseGrant({ TTL: 60 })).ID;
}

const lock = (name: string, l: number) =>
  call('/v3lockpb.Lock/Lock', ['v3lockpb.LockRequest', 'v3lockpb.LockResponse'], {
    name: b(name),
    lease: l,
  });
const unlock = (key: unknown) =>
  call('/v3lockpb.Lock/Unlock', ['v3lockpb.UnlockRequest', 'v3lockpb.UnlockResponse'], {
    key: Buffer.from(key as string, 'base64'),
  });

describe('v3lock', () => {
  it('gives the lock to one holder at a time, in order', async () => {
    const [l1, l2] = [await lease(), await lease()];
    const first = await lock('L', l1);
    expect(str(first['key'])).toBe(`L/${l1.toString(16)}`);
    let secondDone = false;
    const second = lock('L', l2).then((r) => {
      secondDone = true;
      return r;
    });
    // Taking the lock again with the first lease is idempotent and does not wait.
    expect(str((await lock('L', l1))['key'])).toBe(`L/${l1.toString(16)}`);
    expect(secondDone).toBe(false);
    await unlock(first['key']);
    expect(str((await second)['key'])).toBe(`L/${l2.toString(16)}`);
  });

  it('refuses a lock without a lease', async () => {
    await expect(lock('L0', 0)).rejects.toMatchObject({
      details: 'etcdserver: a lease is required',
    });
  });
});

const E = (m: string, req: string, res: string) => (r: Record<string, unknown>) =>
  call(`/v3electionpb.Election/${m}`, [`v3electionpb.${req}`, `v3electionpb.${res}`], r);
const campaign = E('Campaign', 'CampaignRequest', 'CampaignResponse');
const proclaim = E('Proclaim', 'ProclaimRequest', 'ProclaimResponse');
const leader = E('Leader', 'LeaderRequest', 'LeaderResponse');
const resign = E('Resign', 'ResignRequest', 'ResignResponse');

describe('v3election', () => {
  it('elects, proclaims, hands on after a resignation, and streams what it observes', async () => {
    const [la, lb] = [await lease(), await lease()];
    const won = await campaign({ name: b('E'), lease: la, value: b('a') });
    const leaderKey = won['leader'] as Record<string, unknown>;
    expect(str(leaderKey['key'])).toBe(`E/${la.toString(16)}`);
    const asKey = {
      ...leaderKey,
      name: b('E'),
      key: Buffer.from(leaderKey['key'] as string, 'base64'),
    };
    expect(str(((await leader({ name: b('E') }))['kv'] as Record<string, unknown>)['value'])).toBe(
      'a',
    );

    const seen: string[] = [];
    const LeaderResponse = messageType('v3electionpb.LeaderResponse');
    const LeaderRequest = messageType('v3electionpb.LeaderRequest');
    const stream = client.makeServerStreamRequest(
      '/v3electionpb.Election/Observe',
      (x: Buffer) => x,
      (x: Buffer) => x,
      Buffer.from(LeaderRequest.encode({ name: b('E') }).finish()),
      new Metadata(),
    );
    const observed = new Promise<void>((resolve) => {
      stream.on('data', (buf: Buffer) => {
        const kv = (LeaderResponse.decode(buf) as unknown as { kv: { value: Uint8Array } }).kv;
        seen.push(Buffer.from(kv.value).toString());
        if (seen.includes('b')) resolve();
      });
    });
    stream.on('error', () => undefined);

    await proclaim({ leader: asKey, value: b('a2') });
    const bWins = campaign({ name: b('E'), lease: lb, value: b('b') });
    await resign({ leader: asKey });
    await bWins;
    await observed;
    stream.cancel();
    expect(seen).toEqual(['a', 'a2', 'b']);
    await expect(proclaim({ leader: asKey, value: b('x') })).rejects.toMatchObject({
      details: 'election: not leader',
    });
  });

  it('answers "election: no leader" for an election nobody campaigned in', async () => {
    const err = await leader({ name: b('nobody') }).catch((e: unknown) => e as ServiceError);
    expect(err).toMatchObject({ details: 'election: no leader' });
  });
});
