// The far side of the transport benchmark, in its own process. It runs member 2 of a transport
// pair and a raw ws server, prints both URLs as one JSON line, reads member 1's URL from stdin,
// and answers: MsgApp -> MsgAppResp, MsgHeartbeat -> MsgHeartbeatResp; on raw ws, every frame is
// answered with a frame of the size the parent asked for (the size of the matching response).
import { createInterface } from 'node:readline';
import { WebSocketServer } from 'ws';
import type { Message } from '@keel/raft-core';
import { createTransport } from '../src/index.js';

function reply(m: Message): Message {
  const type = m.type === 'MsgApp' ? 'MsgAppResp' : 'MsgHeartbeatResp';
  const index = m.index + m.entries.length;
  return { ...m, type, from: 2, to: 1, entries: [], index, context: Buffer.alloc(0) };
}

const transport = createTransport({
  memberId: 2,
  clusterId: 'bench',
  clusterToken: 'bench',
  listen: { host: '127.0.0.1', port: 0 },
  onMessage: (m) => {
    transport.send([reply(m)]);
  },
  onUnreachable: () => undefined,
});
const { url } = await transport.start();

// Raw baseline: the first byte of each frame says which reply size to use (0: small, 1: large).
const replies = new Map<number, Buffer>();
const wss = new WebSocketServer({
  host: '127.0.0.1',
  port: 0,
  perMessageDeflate: false,
  maxPayload: 16 * 1024 * 1024,
});
wss.on('connection', (ws) => {
  ws.on('message', (data: Buffer) => {
    const size = data.readUInt32LE(0);
    let out = replies.get(size);
    if (out === undefined) {
      out = Buffer.alloc(size, 1);
      replies.set(size, out);
    }
    ws.send(out);
  });
});
await new Promise((resolve) => wss.once('listening', resolve));
const address = wss.address();
const rawPort = typeof address === 'object' && address !== null ? address.port : 0;
process.stdout.write(`${JSON.stringify({ url, rawUrl: `ws://127.0.0.1:${rawPort}` })}\n`);

const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  if (line === 'exit') break;
  transport.addPeer(1, line.trim());
}
lines.close();
process.stdin.destroy();
await transport.close();
for (const ws of wss.clients) ws.terminate();
await new Promise((resolve) => {
  wss.close(resolve);
});
