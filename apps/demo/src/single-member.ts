import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type Server } from '@keel/embed';
import { Etcd3 } from 'etcd3';
import type { DemoArgs } from './args.js';
import { watchLeadership } from './leader-watch.js';
import type { Output } from './output.js';
import { isPortFree } from './ports.js';
import { runPutGetLoop, type PutGetLoopResult } from './put-get-loop.js';

/** etcd's client port, which the article's client dials. */
const articlePort = 2379;

async function clientUrlToUse(out: Output): Promise<string> {
  if (await isPortFree(articlePort)) return `http://127.0.0.1:${articlePort}`;
  out.line(`port ${articlePort} is taken (another etcd?); using a free port instead`);
  return 'http://127.0.0.1:0';
}

async function startMember(out: Output): Promise<{ server: Server; dataDir: string }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'keel-demo-'));
  const clientUrl = await clientUrlToUse(out);
  const server = await startServer({
    name: 'demo',
    dataDir,
    listenClientUrls: [clientUrl],
    advertiseClientUrls: [clientUrl],
    listenPeerUrls: ['http://127.0.0.1:0'],
    initialAdvertisePeerUrls: ['http://127.0.0.1:0'],
  });
  out.line(
    `embedded Keel member "${server.name}" serving etcd clients at ${server.clientUrls.join(', ')}`,
  );
  out.line(`data directory: ${dataDir} (removed when the demo stops)`);
  return { server, dataDir };
}

/**
 * The article on one member: an embedded server in this process, the put/get loop through the
 * etcd3 client over the network, and the leader watch with leader-only work beside it. Stops when
 * `signal` aborts (Ctrl-C) or after `args.rounds` rounds.
 */
export async function runSingleMember(
  args: DemoArgs,
  out: Output,
  signal: AbortSignal,
): Promise<PutGetLoopResult> {
  const { server, dataDir } = await startMember(out);
  const client = new Etcd3({ hosts: server.clientUrls[0] ?? '' });
  const stop = new AbortController();
  const onAbort = () => {
    stop.abort();
  };
  signal.addEventListener('abort', onAbort);
  const watching = watchLeadership({
    server,
    intervalMs: args.intervalMs,
    out,
    signal: stop.signal,
  });
  try {
    await server.ready;
    return await runPutGetLoop({
      client,
      intervalMs: args.intervalMs,
      rounds: args.rounds,
      nextInt: (max) => Math.floor(Math.random() * max),
      print: (line) => {
        out.line(line);
      },
      signal: stop.signal,
    });
  } finally {
    stop.abort();
    signal.removeEventListener('abort', onAbort);
    await watching;
    client.close();
    await server.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}
