// Everything a RaftLog answers, as one string: two logs are the same when these are equal.
import type { RaftLog } from '../src/index.js';

/** Everything the log answers, as one comparable string. */
export function describeLog(log: RaftLog): string {
  const [first, last] = [log.firstIndex(), log.lastIndex()];
  const ents = log
    .entries(first, last + 1, Infinity)
    .map((e) => [e.index, e.term, e.type, Buffer.from(e.data).toString('hex')]);
  return JSON.stringify({
    first,
    last,
    init: log.initialState(),
    snap: log.snapshot().metadata,
    data: Buffer.from(log.snapshot().data).toString('hex'),
    ents,
  });
}
