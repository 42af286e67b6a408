// Goal: the leader monitor ends `hasleader` streams only after three checks in a row without a
// leader, with etcd's "no leader", and never touches other streams. Method: LeaderStreams driven
// check by check, over event emitters shaped as grpc-js server streams.
import { EventEmitter } from 'node:events';
import { Metadata } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { LeaderStreams } from './leader-streams.js';

/** A stream as grpc-js hands it over, recording the status it was ended with. */
class Stream extends EventEmitter {
  readonly metadata = new Metadata();
  readonly ended: object[] = [];
  constructor(hasLeader: boolean) {
    super();
    if (hasLeader) this.metadata.set('hasleader', 'true');
    this.on('error', (status: object) => this.ended.push(status));
  }
}

describe('LeaderStreams', () => {
  it('ends hasleader streams at the third check in a row without a leader', () => {
    let leader = 1;
    const streams = new LeaderStreams(() => leader);
    const [strict, lax] = [new Stream(true), new Stream(false)];
    streams.track(strict);
    streams.track(lax);
    leader = 0;
    expect([streams.check(), streams.check()]).toEqual([0, 0]);
    leader = 1;
    expect(streams.check()).toBe(0); // a leader again: the count starts over
    leader = 0;
    expect([streams.check(), streams.check(), streams.check()]).toEqual([0, 0, 1]);
    expect(strict.ended).toEqual([{ code: 14, details: 'etcdserver: no leader' }]);
    expect(lax.ended).toEqual([]);
    expect(streams.check()).toBe(0); // ended once, then forgotten
  });

  it('forgets a stream that ended by itself', () => {
    let leader = 1;
    const streams = new LeaderStreams(() => leader);
    const gone = new Stream(true);
    streams.track(gone);
    gone.emit('cancelled');
    leader = 0;
    expect([streams.check(), streams.check(), streams.check()]).toEqual([0, 0, 0]);
    expect(gone.ended).toEqual([]);
  });
});
