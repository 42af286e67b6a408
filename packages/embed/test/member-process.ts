// A member in an OS process of its own, for the process tests: starts a server from the config
// JSON in argv[2] and serves requests from the parent over IPC, one JSON message each:
// { id, op: 'put' | 'get', key, value? } -> { id, ok, revision?, value?, error? }. It reports
// { event: 'started', memberId } once listening and { event: 'leader', leaderId } on every
// leader change. It runs until killed.
import { startServer, type ServerConfig } from '../src/index.js';

interface Request {
  readonly id: number;
  readonly op: 'put' | 'get';
  readonly key: string;
  readonly value?: string;
}

const send = (m: object): void => {
  process.send?.(m);
};

const config = JSON.parse(process.argv[2] ?? '{}') as ServerConfig;
const server = await startServer(config);
server.onLeaderChange((c) => {
  send({ event: 'leader', leaderId: c.leaderId });
});
send({ event: 'started', memberId: server.memberId, leaderId: server.leaderId });

process.on('message', (raw) => {
  const r = raw as Request;
  const answer = async (): Promise<object> => {
    if (r.op === 'put') {
      const res = await server.kv.put({
        key: Buffer.from(r.key),
        value: Buffer.from(r.value ?? ''),
      });
      return { revision: res.revision };
    }
    const res = await server.kv.range({ key: Buffer.from(r.key) });
    const kv = res.kvs[0];
    return kv === undefined ? {} : { value: Buffer.from(kv.value).toString() };
  };
  answer().then(
    (fields) => {
      send({ id: r.id, ok: true, ...fields });
    },
    (e: unknown) => {
      send({ id: r.id, ok: false, error: (e as { code?: string }).code ?? String(e) });
    },
  );
});
