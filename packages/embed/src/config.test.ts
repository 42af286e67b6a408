// Goal: resolveConfig gives etcd 3.6's defaults and refuses each rule etcd enforces with
// INVALID_CONFIG naming the field. Method: defaults once, then one bad input per rule.
import { describe, expect, it } from 'vitest';
import { parseInitialCluster, resolveConfig, type ServerConfig } from './config.js';
import { isEmbedError } from './errors.js';

function refusal(config: ServerConfig): string {
  try {
    resolveConfig(config);
  } catch (e) {
    if (isEmbedError(e, 'INVALID_CONFIG')) {
      expect(e.message).toContain(`config ${e.field ?? 'no field'}:`);
      return e.message;
    }
    throw e;
  }
  return 'accepted';
}

describe('resolveConfig', () => {
  it("fills in etcd's defaults", () => {
    const c = resolveConfig({});
    expect({ ...c, initialCluster: Object.fromEntries(c.initialCluster) }).toMatchInlineSnapshot(`
      {
        "advertiseClientUrls": [
          "http://localhost:2379",
        ],
        "autoCompaction": {
          "mode": "off",
        },
        "autoCompactionMode": "periodic",
        "autoCompactionRetention": "0",
        "clusterState": "new",
        "dataDir": "default.etcd",
        "electionMs": 1000,
        "enableLeaseCheckpoint": false,
        "initialAdvertisePeerUrls": [
          "http://localhost:2380",
        ],
        "initialCluster": {
          "default": [
            "http://localhost:2380",
          ],
        },
        "initialClusterToken": "etcd-cluster",
        "leaseCheckpointIntervalMs": 300000,
        "leaseCheckpointPersist": false,
        "listenClientUrls": [
          "http://localhost:2379",
        ],
        "listenMetricsUrls": [],
        "listenPeerUrls": [
          "http://localhost:2380",
        ],
        "maxLearners": 1,
        "maxRequestBytes": 1572864,
        "maxTxnOps": 128,
        "name": "default",
        "preVote": true,
        "quotaBackendBytes": 2147483648,
        "snapshotCatchUpEntries": 5000,
        "snapshotCount": 10000,
        "strictReconfigCheck": true,
        "tickMs": 100,
        "walDir": "default.etcd/member/wal",
      }
    `);
  });

  it('derives dataDir, walDir and the initial cluster from the name', () => {
    const c = resolveConfig({ name: 'n1', initialAdvertisePeerUrls: ['http://127.0.0.1:2380'] });
    expect([c.dataDir, c.walDir]).toEqual(['n1.etcd', 'n1.etcd/member/wal']);
    expect([...c.initialCluster]).toEqual([['n1', ['http://127.0.0.1:2380']]]);
  });

  it('resolves auto-compaction in both modes, with bare numbers as hours', () => {
    const periodic = (r: string) => resolveConfig({ autoCompactionRetention: r }).autoCompaction;
    expect(periodic('1')).toEqual({ mode: 'periodic', retentionMs: 3_600_000 });
    expect(periodic('1h30m')).toEqual({ mode: 'periodic', retentionMs: 5_400_000 });
    expect(periodic('0')).toEqual({ mode: 'off' });
    const rev = resolveConfig({ autoCompactionMode: 'revision', autoCompactionRetention: '1000' });
    expect(rev.autoCompaction).toEqual({ mode: 'revision', retentionRevisions: 1000 });
  });

  it('takes lease checkpoints on, with persistence and an interval', () => {
    const c = resolveConfig({
      enableLeaseCheckpoint: true,
      leaseCheckpointPersist: true,
      leaseCheckpointIntervalMs: 2000,
    });
    expect([
      c.enableLeaseCheckpoint,
      c.leaseCheckpointPersist,
      c.leaseCheckpointIntervalMs,
    ]).toEqual([true, true, 2000]);
  });

  it('refuses each broken rule, naming the field', () => {
    const peer = { initialAdvertisePeerUrls: ['http://127.0.0.1:2380'] };
    expect({
      shortElection: refusal({ tickMs: 100, electionMs: 400 }),
      longElection: refusal({ tickMs: 1000, electionMs: 60_000 }),
      zeroTick: refusal({ tickMs: 0 }),
      listenWithoutAdvertise: refusal({ listenClientUrls: ['http://127.0.0.1:2379'] }),
      badScheme: refusal({ listenPeerUrls: ['ftp://127.0.0.1:2380'] }),
      noPort: refusal({ advertiseClientUrls: ['http://127.0.0.1'] }),
      bindHostname: refusal({ listenPeerUrls: ['http://example.com:2380'] }),
      notInCluster: refusal({ ...peer, name: 'n9', initialCluster: 'n1=http://127.0.0.1:2380' }),
      urlMismatch: refusal({ ...peer, name: 'n1', initialCluster: 'n1=http://127.0.0.1:2390' }),
      badClusterState: refusal({ clusterState: 'old' as 'new' }),
      badMode: refusal({ autoCompactionMode: 'hourly' as 'periodic' }),
      badRetention: refusal({ autoCompactionRetention: 'soon' }),
      zeroQuota: refusal({ quotaBackendBytes: 0 }),
      emptyName: refusal({ name: '' }),
      persistWithoutCheckpoint: refusal({ leaseCheckpointPersist: true }),
      zeroCheckpointInterval: refusal({
        enableLeaseCheckpoint: true,
        leaseCheckpointIntervalMs: 0,
      }),
      fractionalCheckpointInterval: refusal({ leaseCheckpointIntervalMs: 1.5 }),
    }).toMatchInlineSnapshot(`
      {
        "badClusterState": "invalid config clusterState: unexpected clusterState "old"",
        "badMode": "invalid config autoCompactionMode: unknown auto-compaction-mode "hourly"",
        "badRetention": "invalid config autoCompactionRetention: "soon" is not a duration",
        "badScheme": "invalid config listenPeerUrls: "ftp://127.0.0.1:2380": URL scheme must be http or https",
        "bindHostname": "invalid config listenPeerUrls: expected IP in URL for binding (http://example.com:2380)",
        "emptyName": "invalid config name: must not be empty",
        "fractionalCheckpointInterval": "invalid config leaseCheckpointIntervalMs: must be an integer > 0, got 1.5",
        "listenWithoutAdvertise": "invalid config advertiseClientUrls: --advertise-client-urls is required when --listen-client-urls is set explicitly",
        "longElection": "invalid config electionMs: --election-timeout[60000ms] is too long, and should be set less than 50000ms",
        "noPort": "invalid config advertiseClientUrls: "http://127.0.0.1" must be "host:port"",
        "notInCluster": "invalid config initialCluster: has no member named "n9" (the name option)",
        "persistWithoutCheckpoint": "invalid config leaseCheckpointPersist: setting experimental-enable-lease-checkpoint-persist requires experimental-enable-lease-checkpoint",
        "shortElection": "invalid config electionMs: --election-timeout[400ms] should be at least as 5 times as --heartbeat-interval[100ms]",
        "urlMismatch": "invalid config initialCluster: --initial-cluster has n1=http://127.0.0.1:2390 but missing from --initial-advertise-peer-urls=http://127.0.0.1:2380",
        "zeroCheckpointInterval": "invalid config leaseCheckpointIntervalMs: must be an integer > 0, got 0",
        "zeroQuota": "invalid config quotaBackendBytes: must be an integer > 0, got 0",
        "zeroTick": "invalid config tickMs: must be an integer > 0, got 0",
      }
    `);
  });
});

describe('parseInitialCluster', () => {
  it('groups several URLs under one name and refuses entries without a name', () => {
    const m = parseInitialCluster('a=http://127.0.0.1:1,a=http://127.0.0.1:2,b=http://127.0.0.1:3');
    expect([...m]).toEqual([
      ['a', ['http://127.0.0.1:1', 'http://127.0.0.1:2']],
      ['b', ['http://127.0.0.1:3']],
    ]);
    expect(() => parseInitialCluster('=http://127.0.0.1:1')).toThrow(/not name=url/);
  });
});
