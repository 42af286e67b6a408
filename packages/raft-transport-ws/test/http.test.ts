// Goal: the peer listener answers plain HTTP requests (not WebSocket upgrades) through the
// `onHttpRequest` hook (embed serves its member list there for joining members), and with 404
// when no hook is given, while peers keep connecting over WebSocket on the same port.
// Method: real transports on 127.0.0.1 port 0, fetch against their bound URL.
import { afterEach, describe, expect, it } from 'vitest';
import { TestMember } from './harness.js';

const members: TestMember[] = [];

afterEach(async () => {
  await Promise.all(members.splice(0).map((m) => m.transport.close()));
});

async function started(member: TestMember): Promise<string> {
  members.push(member);
  const { url } = await member.transport.start();
  return url.replace(/^ws:/, 'http:');
}

describe('plain HTTP on the peer listener', () => {
  it('answers 404 without a hook', async () => {
    const base = await started(new TestMember(1));
    expect((await fetch(`${base}/members`)).status).toBe(404);
  });

  it('hands requests to onHttpRequest', async () => {
    const base = await started(
      new TestMember(1, {
        onHttpRequest: (req, res) => {
          res.writeHead(200, { 'content-type': 'text/plain' }).end(`you asked ${req.url ?? ''}`);
        },
      }),
    );
    const res = await fetch(`${base}/members`);
    expect([res.status, await res.text()]).toEqual([200, 'you asked /members']);
  });
});
