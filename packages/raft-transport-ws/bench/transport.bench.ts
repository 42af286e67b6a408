// Transport benchmark (issue 5): between two processes, MsgApp appends of 64 entries x 256 B per
// second (and MB/s), and small-message round trips per second, each beside raw ws sending frames
// of the same sizes in the same run. Prints JSON lines through reportFigure. Each figure is the
// median of `rounds` interleaved runs, so a burst of load on the machine hits both sides alike.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { performance } from 'node:perf_hooks';
import { WebSocket } from 'ws';
import { median, reportFigure } from '@keel/bench-kit';
import type { Entry, Message } from '@keel/raft-core';
import { createTransport } from '../src/index.js';
import { encodeMessage } from '../src/codec.js';

const entriesPerApp = 64;
const entryBytes = 256;
const windowApps = 64;
const runMs = Number(process.env['BENCH_RUN_MS'] ?? '800');
const rounds = Number(process.env['BENCH_ROUNDS'] ?? '5');
const bench = 'raft-transport-ws';

const entryData = Buffer.alloc(entryBytes, 7);
function app(index: number): Message {
  const entries: Entry[] = Array.from({ length: entriesPerApp }, (_, i) => ({
    term: 2,
    index: index + 1 + i,
    type: 'EntryNormal',
    data: entryData,
  }));
  return {
    type: 'MsgApp',
    from: 1,
    to: 2,
    term: 2,
    logTerm: 2,
    index,
    commit: index,
    entries,
    reject: false,
    rejectHint: 0,
    context: Buffer.alloc(0),
  };
}
const heartbeat: Message = { ...app(0), type: 'MsgHeartbeat', entries: [], index: 0, logTerm: 0 };
const resp = (m: Message, type: Message['type']): Message => ({
  ...m,
  type,
  from: 2,
  to: 1,
  entries: [],
  index: m.index + m.entries.length,
});

// Raw frames are the sizes our frames have: 1 kind byte plus the encoded message.
const appFrameBytes = 1 + encodeMessage(app(1_000_000)).sizeBytes;
const appRespFrameBytes = 1 + encodeMessage(resp(app(1_000_000), 'MsgAppResp')).sizeBytes;
const hbFrameBytes = 1 + encodeMessage(heartbeat).sizeBytes;
const hbRespFrameBytes = 1 + encodeMessage(resp(heartbeat, 'MsgHeartbeatResp')).sizeBytes;

type Waiter = (m: Message) => void;
let onReply: Waiter = () => undefined;
const transport = createTransport({
  memberId: 1,
  clusterId: 'bench',
  clusterToken: 'bench',
  listen: { host: '127.0.0.1', port: 0 },
  onMessage: (m) => {
    onReply(m);
  },
  onUnreachable: () => undefined,
});

/** Appends with `windowApps` in flight for runMs over the transport; returns appends/s. */
async function transportAppends(): Promise<number> {
  let sent = 0;
  let acked = 0;
  const start = performance.now();
  const deadline = start + runMs;
  await new Promise<void>((resolve) => {
    onReply = () => {
      acked++;
      if (performance.now() < deadline) transport.send([app(sent++ * entriesPerApp)]);
      else if (acked === sent) resolve();
    };
    for (let i = 0; i < windowApps; i++) transport.send([app(sent++ * entriesPerApp)]);
  });
  return (acked * 1000) / (performance.now() - start);
}

async function transportRoundTrips(): Promise<number> {
  let count = 0;
  const start = performance.now();
  const deadline = start + runMs;
  await new Promise<void>((resolve) => {
    onReply = () => {
      count++;
      if (performance.now() < deadline) transport.send([heartbeat]);
      else resolve();
    };
    transport.send([heartbeat]);
  });
  return (count * 1000) / (performance.now() - start);
}

/** A raw frame of `sizeBytes` whose first four bytes ask the peer for a reply of `replyBytes`. */
function rawFrame(sizeBytes: number, replyBytes: number): Buffer {
  const b = Buffer.alloc(sizeBytes, 3);
  b.writeUInt32LE(replyBytes, 0);
  return b;
}

async function rawRun(ws: WebSocket, frame: Buffer, inflight: number): Promise<number> {
  let sent = 0;
  let acked = 0;
  const start = performance.now();
  const deadline = start + runMs;
  await new Promise<void>((resolve) => {
    const onMessage = (): void => {
      acked++;
      if (performance.now() < deadline) {
        sent++;
        ws.send(frame);
      } else if (acked === sent) {
        ws.off('message', onMessage);
        resolve();
      }
    };
    ws.on('message', onMessage);
    for (let i = 0; i < inflight; i++) {
      sent++;
      ws.send(frame);
    }
  });
  return (acked * 1000) / (performance.now() - start);
}

async function main(): Promise<void> {
  const peerScript = fileURLToPath(new URL('./peer.ts', import.meta.url));
  const child = spawn(
    process.execPath,
    ['--conditions=@keel/source', '--import', 'tsx', peerScript],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const lines = createInterface({ input: child.stdout });
  const [first] = (await once(lines, 'line')) as [string];
  const peer = JSON.parse(first) as { url: string; rawUrl: string };
  const { url } = await transport.start();
  transport.addPeer(2, peer.url);
  child.stdin.write(`${url}\n`);
  // Wait until both directions are connected: a heartbeat comes back.
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      transport.send([heartbeat]);
    }, 50);
    onReply = () => {
      clearInterval(timer);
      resolve();
    };
  });
  const ws = new WebSocket(peer.rawUrl, { perMessageDeflate: false });
  await once(ws, 'open');
  const appRaw = rawFrame(appFrameBytes, appRespFrameBytes);
  const hbRaw = rawFrame(hbFrameBytes, hbRespFrameBytes);
  const results = {
    tApp: [] as number[],
    rApp: [] as number[],
    tRtt: [] as number[],
    rRtt: [] as number[],
  };
  // Warm-up, not counted.
  await rawRun(ws, appRaw, windowApps);
  await transportAppends();
  for (let r = 0; r < rounds; r++) {
    results.rApp.push(await rawRun(ws, appRaw, windowApps));
    results.tApp.push(await transportAppends());
    results.rRtt.push(await rawRun(ws, hbRaw, 1));
    results.tRtt.push(await transportRoundTrips());
  }
  const payloadMb = (entriesPerApp * entryBytes) / 1e6;
  const cond = `${entriesPerApp}x${entryBytes}B window=${windowApps}`;
  reportFigure({
    bench: `${bench}/append`,
    metric: `appends/s ${cond}`,
    value: median(results.tApp),
    unit: 'appends/s',
    baseline: `raw ws ${appFrameBytes} B frames`,
    baselineValue: median(results.rApp),
  });
  reportFigure({
    bench: `${bench}/append`,
    metric: `payload MB/s ${cond}`,
    value: median(results.tApp) * payloadMb,
    unit: 'MB/s',
    baseline: `raw ws ${appFrameBytes} B frames`,
    baselineValue: median(results.rApp) * payloadMb,
  });
  reportFigure({
    bench: `${bench}/round-trip`,
    metric: 'MsgHeartbeat round trips/s, 1 in flight',
    value: median(results.tRtt),
    unit: 'round trips/s',
    baseline: `raw ws ${hbFrameBytes} B frames`,
    baselineValue: median(results.rRtt),
  });
  ws.close();
  child.stdin.end('exit\n');
  await once(child, 'exit');
  await transport.close();
  lines.close();
}

await main();
