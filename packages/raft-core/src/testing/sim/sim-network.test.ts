// Goal: the simulated network loses, duplicates, delays, reorders and partitions as configured,
// and replays the same way for the same seed. Method: send numbered messages and read them back.
import { describe, expect, it } from 'vitest';
import type { Message } from '../../types.js';
import { createPrng } from '../prng.js';
import { SimNetwork } from './sim-network.js';
import type { SimNetworkOptions } from './sim-network.js';

const calm: SimNetworkOptions = { dropRate: 0, duplicateRate: 0, delayTicksMax: 0, reorder: false };

function msg(from: number, to: number, index: number): Message {
  return {
    type: 'MsgApp',
    from,
    to,
    term: 1,
    logTerm: 0,
    index,
    entries: [],
    commit: 0,
    reject: false,
    rejectHint: 0,
    context: new Uint8Array(0),
  };
}

function drain(net: SimNetwork, nowTicks: number): number[] {
  const out: number[] = [];
  for (let d = net.take(nowTicks); d !== undefined; d = net.take(nowTicks)) {
    if (!d.lost) out.push(d.message.index);
  }
  return out;
}

describe('SimNetwork', () => {
  it('delivers in order without faults', () => {
    const net = new SimNetwork(createPrng(1), calm);
    for (let i = 1; i <= 5; i++) expect(net.send(msg(1, 2, i), 0)).toBe(true);
    expect(drain(net, 0)).toEqual([1, 2, 3, 4, 5]);
    expect(net.stats).toEqual({ sent: 5, delivered: 5, dropped: 0, duplicated: 0 });
  });

  it('loses about dropRate of the messages and duplicates about duplicateRate', () => {
    const net = new SimNetwork(createPrng(2), { ...calm, dropRate: 0.3, duplicateRate: 0.2 });
    for (let i = 1; i <= 1000; i++) net.send(msg(1, 2, i), 0);
    expect(net.stats.dropped).toBeGreaterThan(240);
    expect(net.stats.dropped).toBeLessThan(360);
    expect(net.stats.duplicated).toBeGreaterThan(100);
    expect(drain(net, 0).length).toBe(1000 - net.stats.dropped + net.stats.duplicated);
  });

  it('holds delayed messages until their tick, keeping FIFO order without reordering', () => {
    const net = new SimNetwork(createPrng(3), { ...calm, delayTicksMax: 5 });
    for (let i = 1; i <= 50; i++) net.send(msg(1, 2, i), 0);
    const early = drain(net, 2);
    const rest = drain(net, 5);
    expect(early.length).toBeLessThan(50);
    expect([...early, ...rest]).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  });

  it('reorders when asked, and replays the same order for the same seed', () => {
    const order = (seed: number): number[] => {
      const net = new SimNetwork(createPrng(seed), { ...calm, reorder: true });
      for (let i = 1; i <= 30; i++) net.send(msg(1, 2, i), 0);
      return drain(net, 0);
    };
    const once = order(4);
    expect(once).toEqual(order(4));
    expect(once).not.toEqual([...once].sort((a, b) => a - b));
    expect([...once].sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
  });

  it('cuts links across a partition, both when sending and in flight, until healed', () => {
    const net = new SimNetwork(createPrng(5), calm);
    net.send(msg(1, 2, 1), 0);
    net.partition([1]);
    expect(net.send(msg(1, 2, 2), 0)).toBe(false);
    expect(net.isConnected(2, 3)).toBe(true);
    expect(net.take(0)).toEqual({ message: msg(1, 2, 1), lost: true });
    net.heal();
    expect(net.send(msg(1, 2, 3), 0)).toBe(true);
    expect(drain(net, 0)).toEqual([3]);
  });

  it('turns every fault off for the liveness phase', () => {
    const net = new SimNetwork(createPrng(6), {
      dropRate: 0.9,
      duplicateRate: 0.9,
      delayTicksMax: 9,
      reorder: true,
    });
    net.setFaults(false);
    for (let i = 1; i <= 20; i++) net.send(msg(1, 2, i), 0);
    expect(drain(net, 0)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it('drops what is in flight to a crashed node', () => {
    const net = new SimNetwork(createPrng(7), calm);
    net.send(msg(1, 2, 1), 0);
    net.send(msg(1, 3, 2), 0);
    net.dropTo(2);
    expect(drain(net, 0)).toEqual([2]);
  });
});
