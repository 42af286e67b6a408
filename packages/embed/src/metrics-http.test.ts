// Goal: the metrics listener serves etcd's metric names in Prometheus text, /health as etcd
// answers it (leader, alarms), /livez and /readyz, over a real socket on 127.0.0.1.
import { afterEach, describe, expect, it } from 'vitest';
import {
  healthAnswer,
  healthQueryOf,
  startMetricsHttp,
  type HealthSource,
} from './metrics-http.js';
import { ServerMetrics } from './metrics.js';

const servers: { close(cb: () => void): void }[] = [];
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map(
      (s) =>
        new Promise<void>((r) => {
          s.close(() => {
            r();
          });
        }),
    ),
  );
});

function source(
  over: Partial<{ leader: boolean; alarms: string[]; ready: boolean }>,
): HealthSource {
  return {
    hasLeader: () => over.leader ?? true,
    alarms: () => over.alarms ?? [],
    isReady: () => over.ready ?? true,
  };
}

describe('healthAnswer', () => {
  it('ignores excluded alarms and, serializable, the missing leader, as etcd 3.5', () => {
    const both = source({ leader: false, alarms: ['NOSPACE'] });
    const query = healthQueryOf('/health?exclude=NOSPACE&exclude=&serializable=true');
    expect(query).toEqual({ exclude: ['NOSPACE'], serializable: true });
    expect(healthAnswer(both, query)).toEqual({
      status: 200,
      body: '{"health":"true","reason":""}',
    });
    expect(healthAnswer(both, healthQueryOf('/health?exclude=NOSPACE')).body).toContain(
      'RAFT NO LEADER',
    );
    expect(healthAnswer(both, healthQueryOf('/health?serializable=true')).body).toContain(
      'ALARM NOSPACE',
    );
    const corrupt = source({ alarms: ['NOSPACE', 'CORRUPT'] });
    expect(healthAnswer(corrupt, healthQueryOf('/health?exclude=NOSPACE')).body).toBe(
      '{"health":"false","reason":"ALARM CORRUPT"}',
    );
  });

  it("answers as etcd's /health does", () => {
    expect(healthAnswer(source({}))).toEqual({
      status: 200,
      body: '{"health":"true","reason":""}',
    });
    expect(healthAnswer(source({ leader: false }))).toEqual({
      status: 503,
      body: '{"health":"false","reason":"RAFT NO LEADER"}',
    });
    expect(healthAnswer(source({ alarms: ['NOSPACE'] })).body).toContain('ALARM NOSPACE');
  });
});

describe('startMetricsHttp', () => {
  it('serves metrics and health endpoints on a free port', async () => {
    const metrics = new ServerMetrics();
    metrics.hasLeader.set(1);
    metrics.leaderChanges.inc();
    const health = source({ ready: false });
    const { url, server } = await startMetricsHttp({ host: '127.0.0.1', port: 0, metrics, health });
    servers.push(server);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const text = await (await fetch(`${url}/metrics`)).text();
    expect(text).toContain('etcd_server_has_leader 1');
    expect(text).toContain('etcd_server_leader_changes_seen_total 1');
    expect(text).toContain('etcd_disk_wal_fsync_duration_seconds_bucket{le="0.001"} 0');
    expect((await fetch(`${url}/health`)).status).toBe(200);
    expect(await (await fetch(`${url}/livez`)).text()).toBe('ok\n');
    expect((await fetch(`${url}/readyz`)).status).toBe(503);
    expect((await fetch(`${url}/nope`)).status).toBe(404);
  });

  it('keeps registries apart for two servers in one process', async () => {
    const a = new ServerMetrics();
    const b = new ServerMetrics();
    a.leaderChanges.inc(3);
    expect(await b.text()).toContain('etcd_server_leader_changes_seen_total 0');
    expect(await a.text()).toContain('etcd_server_leader_changes_seen_total 3');
  });
});
