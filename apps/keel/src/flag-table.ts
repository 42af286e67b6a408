// Every flag the `keel` command knows: etcd 3.6's server flags (names, types and defaults from
// etcd's embed and etcdmain packages) plus keel's own `--dry-run` and the test-only
// `--unsafe-fault-injection-url`. Each flag says what keel does with it: `keel` flags configure the
// member; `noop` flags are accepted so that an etcd command line runs unchanged but have no effect
// (logging, profiling and tuning knobs of etcd's own internals); `unsupported` flags change
// behaviour keel does not implement, so only etcd's default value is accepted and anything else is
// refused rather than silently ignored.

/** How a flag's text is parsed, following the Go type etcd declares it with. */
export type FlagKind =
  'string' | 'bool' | 'uint' | 'int' | 'uint32' | 'urls' | 'strings' | 'duration' | 'choice';

/** What keel does with a flag (see the file comment). */
export type FlagEffect = 'keel' | 'noop' | 'unsupported';

/** The help sections, in etcd's order. */
export const flagSections = [
  'Member',
  'Clustering',
  'Security',
  'Auth',
  'Profiling and Monitoring',
  'Logging',
  'Distributed tracing',
  'Tuning and features',
  'Unsafe',
  'Keel',
] as const;

/** One help section's name. */
export type FlagSection = (typeof flagSections)[number];

/** One flag: its etcd name, type, default as `--help` shows it, and what keel does with it. */
export interface FlagDef {
  readonly name: string;
  readonly kind: FlagKind;
  /** etcd's default, as text in the flag's own syntax (`'100'`, `'true'`, `'5s'`). */
  readonly defaultText: string;
  readonly section: FlagSection;
  readonly help: string;
  readonly effect: FlagEffect;
  /** The values a `choice` flag takes. */
  readonly choices?: readonly string[];
  /** A deprecated etcd spelling: setting it sets this flag instead. */
  readonly aliasOf?: string;
  /** Keel's own flag: no `ETCD_*` variable and no config-file key. */
  readonly keelOnly?: boolean;
  /** False when etcd's config file has no top-level key of this name (TLS files, --version). */
  readonly fileKey?: boolean;
}

type Extra = Partial<Pick<FlagDef, 'choices' | 'aliasOf' | 'keelOnly' | 'fileKey'>>;
type Row = readonly [
  name: string,
  kind: FlagKind,
  defaultText: string,
  help: string,
  extra?: Extra,
];

function group(section: FlagSection, effect: FlagEffect, rows: readonly Row[]): FlagDef[] {
  return rows.map(([name, kind, defaultText, help, extra]) => ({
    name,
    kind,
    defaultText,
    section,
    help,
    effect,
    ...extra,
  }));
}

const noFile = { fileKey: false } as const;

const member: readonly FlagDef[] = [
  ...group('Member', 'keel', [
    ['name', 'string', 'default', 'Human-readable name of this member, unique in the cluster.'],
    ['data-dir', 'string', '${name}.etcd', "Directory holding this member's data."],
    ['wal-dir', 'string', '', 'Separate directory for the Raft log (default: inside --data-dir).'],
    ['snapshot-count', 'uint', '10000', 'Applied entries between two snapshots of the store.'],
    [
      'snapshot-catchup-entries',
      'uint',
      '5000',
      'Log entries kept after a snapshot so a slow follower can catch up from the log.',
    ],
    ['heartbeat-interval', 'uint', '100', 'Milliseconds between leader heartbeats (the tick).'],
    [
      'election-timeout',
      'uint',
      '1000',
      'Milliseconds without a leader before a follower starts an election.',
    ],
    ['listen-peer-urls', 'urls', 'http://localhost:2380', 'URLs to listen on for other members.'],
    ['listen-client-urls', 'urls', 'http://localhost:2379', 'URLs to listen on for clients.'],
    ['max-txn-ops', 'uint', '128', 'Most operations one transaction may hold.'],
    ['max-request-bytes', 'uint', '1572864', 'Largest client request accepted, in bytes.'],
    [
      'quota-backend-bytes',
      'int',
      '0',
      'Size in bytes at which the store raises the NOSPACE alarm (0: the 2 GiB default).',
    ],
  ]),
  ...group('Member', 'noop', [
    ['max-snapshots', 'uint', '5', 'Snapshot files to keep (keel keeps its own files).'],
    ['max-wals', 'uint', '5', 'WAL files to keep (keel keeps its own files).'],
    ['initial-election-tick-advance', 'bool', 'true', 'Fast-forward election ticks at boot.'],
    ['backend-bbolt-freelist-type', 'string', '', "Tuning of etcd's bbolt backend."],
    ['backend-batch-interval', 'duration', '0s', "Tuning of etcd's bbolt backend."],
    ['backend-batch-limit', 'int', '0', "Tuning of etcd's bbolt backend."],
    ['max-concurrent-streams', 'uint32', '4294967295', 'gRPC streams per client connection.'],
    ['grpc-keepalive-min-time', 'duration', '5s', 'Shortest client ping interval allowed.'],
    ['grpc-keepalive-interval', 'duration', '2h0m0s', 'Interval of server-to-client pings.'],
    ['grpc-keepalive-timeout', 'duration', '20s', 'Wait for a ping answer before closing.'],
    ['socket-reuse-port', 'bool', 'false', 'Set SO_REUSEPORT on listeners.'],
    ['socket-reuse-address', 'bool', 'false', 'Set SO_REUSEADDR on listeners.'],
    ['raft-read-timeout', 'duration', '5s', "Read timeout of etcd's peer HTTP connections."],
    ['raft-write-timeout', 'duration', '5s', "Write timeout of etcd's peer HTTP connections."],
  ]),
  ...group('Member', 'unsupported', [
    ['listen-client-http-urls', 'urls', '', 'URLs serving HTTP only, apart from gRPC.'],
  ]),
];

const clustering: readonly FlagDef[] = [
  ...group('Clustering', 'keel', [
    [
      'initial-advertise-peer-urls',
      'urls',
      'http://localhost:2380',
      "This member's peer URLs, as the other members should reach it.",
    ],
    [
      'initial-cluster',
      'string',
      'default=http://localhost:2380',
      'The members of a new cluster, as name=peer-url pairs separated by commas.',
    ],
    [
      'initial-cluster-state',
      'choice',
      'new',
      "'new' to bootstrap a new cluster, 'existing' to join one; ignored on restarts.",
      { choices: ['new', 'existing'] },
    ],
    [
      'initial-cluster-token',
      'string',
      'etcd-cluster',
      'Token that keeps the IDs of different clusters apart during bootstrap.',
    ],
    [
      'advertise-client-urls',
      'urls',
      'http://localhost:2379',
      "This member's client URLs, as clients should reach it.",
    ],
    [
      'strict-reconfig-check',
      'bool',
      'true',
      'Refuse membership changes that would cost the cluster its quorum.',
    ],
    ['pre-vote', 'bool', 'true', "Run Raft's pre-vote before an election."],
    [
      'auto-compaction-retention',
      'string',
      '0',
      'History to keep when compacting automatically (0: never compact).',
    ],
    [
      'auto-compaction-mode',
      'string',
      'periodic',
      "'periodic': retention is a duration (hours if no unit); 'revision': a revision count.",
    ],
    ['max-learners', 'int', '1', 'Most learner members the cluster may have.'],
  ]),
  ...group('Clustering', 'noop', [
    ['v2-deprecation', 'string', 'write-only', 'etcd v2 store stage (etcd enforces its default).'],
  ]),
  ...group('Clustering', 'unsupported', [
    ['discovery-endpoints', 'strings', '', 'Bootstrap through a discovery service.'],
    ['discovery-token', 'string', '', 'Bootstrap through a discovery service.'],
    ['discovery-srv', 'string', '', 'Bootstrap from DNS SRV records.'],
    ['discovery-srv-name', 'string', '', 'Bootstrap from DNS SRV records.'],
    [
      'discovery-fallback',
      'choice',
      'exit',
      'What to do when discovery fails.',
      { choices: ['exit', 'proxy'] },
    ],
  ]),
];

const security: readonly FlagDef[] = [
  ...group('Security', 'keel', [
    ['cert-file', 'string', '', 'TLS certificate of the client listener.', noFile],
    ['key-file', 'string', '', 'TLS key of the client listener.', noFile],
    ['client-cert-auth', 'bool', 'false', 'Require and verify client certificates.', noFile],
    ['trusted-ca-file', 'string', '', 'CA bundle that verifies client certificates.', noFile],
    ['peer-cert-file', 'string', '', 'TLS certificate of the peer listener.', noFile],
    ['peer-key-file', 'string', '', 'TLS key of the peer listener.', noFile],
    ['peer-client-cert-auth', 'bool', 'false', 'Require and verify peer certificates.', noFile],
    ['peer-trusted-ca-file', 'string', '', 'CA bundle that verifies peer certificates.', noFile],
  ]),
  ...group('Security', 'noop', [
    ['self-signed-cert-validity', 'uint', '1', 'Years a generated certificate is valid.'],
    ['cors', 'strings', '*', 'Origins allowed by CORS on the HTTP endpoints.'],
    ['host-whitelist', 'strings', '*', 'Host headers accepted on plain-HTTP endpoints.'],
  ]),
  ...group('Security', 'unsupported', [
    ['auto-tls', 'bool', 'false', 'Client TLS with generated certificates.', noFile],
    ['peer-auto-tls', 'bool', 'false', 'Peer TLS with generated certificates.', noFile],
    ['client-cert-file', 'string', '', 'Separate certificate for outgoing client auth.', noFile],
    ['client-key-file', 'string', '', 'Separate key for outgoing client auth.', noFile],
    ['peer-client-cert-file', 'string', '', 'Separate certificate for peer client auth.', noFile],
    ['peer-client-key-file', 'string', '', 'Separate key for peer client auth.', noFile],
    ['client-crl-file', 'string', '', 'Revocation list for client certificates.'],
    ['peer-crl-file', 'string', '', 'Revocation list for peer certificates.'],
    ['client-cert-allowed-hostname', 'strings', '', 'Allowed client SAN hostnames.', noFile],
    ['peer-cert-allowed-cn', 'strings', '', 'Allowed peer certificate CNs.', noFile],
    ['peer-cert-allowed-hostname', 'strings', '', 'Allowed peer SAN hostnames.', noFile],
    [
      'peer-skip-client-san-verification',
      'bool',
      'false',
      'Skip SAN checks on peer certificates.',
      noFile,
    ],
    ['cipher-suites', 'strings', '', 'TLS cipher suites to allow.'],
    ['tls-min-version', 'string', 'TLS1.2', 'Lowest TLS version accepted.'],
    ['tls-max-version', 'string', '', 'Highest TLS version accepted.'],
  ]),
];

const auth: readonly FlagDef[] = [
  ...group('Auth', 'unsupported', [['auth-token', 'string', 'simple', 'Kind of auth token.']]),
  ...group('Auth', 'noop', [
    ['bcrypt-cost', 'uint', '10', 'bcrypt cost of password hashes.'],
    ['auth-token-ttl', 'uint', '300', 'Seconds a simple auth token lives.'],
  ]),
];

const monitoring: readonly FlagDef[] = [
  ...group('Profiling and Monitoring', 'keel', [
    ['listen-metrics-urls', 'urls', '', 'Extra URLs serving /metrics and /health only.'],
  ]),
  ...group('Profiling and Monitoring', 'noop', [
    ['enable-pprof', 'bool', 'false', "Serve Go's profiler under /debug/pprof."],
    ['metrics', 'string', 'basic', "Detail of etcd's metrics ('basic' or 'extensive')."],
  ]),
];

const logging: readonly FlagDef[] = [
  ...group('Logging', 'keel', [
    [
      'log-level',
      'string',
      'info',
      "Lowest level keel logs: 'debug', 'info', 'warn', 'error', 'panic' or 'fatal'.",
    ],
  ]),
  ...group('Logging', 'noop', [
    ['logger', 'string', 'zap', "etcd's logger implementation."],
    ['log-outputs', 'strings', 'default', 'Where etcd writes its log.'],
    ['log-format', 'string', 'json', "etcd's log encoding ('json' or 'console')."],
    ['enable-log-rotation', 'bool', 'false', "Rotate etcd's log file."],
    [
      'log-rotation-config-json',
      'string',
      '{"maxsize": 100, "maxage": 0, "maxbackups": 0, "localtime": false, "compress": false}',
      "Rotation settings of etcd's log file.",
    ],
    ['disable-log-sampling', 'bool', 'false', "Turn off etcd's log sampling."],
  ]),
];

const tracing: readonly FlagDef[] = group('Distributed tracing', 'noop', [
  ['enable-distributed-tracing', 'bool', 'false', 'Export OpenTelemetry traces.'],
  ['distributed-tracing-address', 'string', 'localhost:4317', 'OpenTelemetry collector.'],
  ['distributed-tracing-service-name', 'string', 'etcd', 'Service name in traces.'],
  ['distributed-tracing-instance-id', 'string', '', 'Instance ID in traces.'],
  ['distributed-tracing-sampling-rate', 'int', '0', 'Spans sampled per million.'],
]);

const tuning: readonly FlagDef[] = [
  ...group('Tuning and features', 'noop', [
    ['feature-gates', 'string', '', "etcd's feature gates."],
    ['enable-grpc-gateway', 'bool', 'true', "etcd's JSON gateway over HTTP."],
    ['corrupt-check-time', 'duration', '0s', 'Interval of corruption checks.'],
    ['compact-hash-check-time', 'duration', '1m0s', 'Interval of compaction hash checks.'],
    ['compaction-batch-limit', 'int', '0', 'Revisions deleted per compaction batch.'],
    ['compaction-sleep-interval', 'duration', '0s', 'Pause between compaction batches.'],
    ['watch-progress-notify-interval', 'duration', '10m0s', 'Interval of watch progress events.'],
    ['downgrade-check-time', 'duration', '5s', 'Interval of downgrade checks.'],
    ['warning-apply-duration', 'duration', '100ms', 'Apply time that logs a warning.'],
    ['warning-unary-request-duration', 'duration', '300ms', 'Request time that logs a warning.'],
    ['memory-mlock', 'bool', 'false', 'Lock the backend in memory.'],
    ['bootstrap-defrag-threshold-megabytes', 'uint', '0', 'Defragment at boot above this.'],
  ]),
  ...group('Tuning and features', 'keel', [
    [
      'experimental-max-learners',
      'int',
      '1',
      'Deprecated spelling of --max-learners.',
      { aliasOf: 'max-learners' },
    ],
    [
      'experimental-snapshot-catchup-entries',
      'uint',
      '5000',
      'Deprecated spelling of --snapshot-catchup-entries.',
      { aliasOf: 'snapshot-catchup-entries' },
    ],
    [
      'experimental-enable-lease-checkpoint',
      'bool',
      'false',
      'The leader checkpoints remaining lease TTLs through Raft, so a new leader does not ' +
        'give leases their whole TTL again.',
    ],
    [
      'experimental-enable-lease-checkpoint-persist',
      'bool',
      'false',
      'Keep lease checkpoints across restarts (keel always does, as etcd 3.6); requires ' +
        '--experimental-enable-lease-checkpoint.',
    ],
  ]),
];

const unsafe: readonly FlagDef[] = group('Unsafe', 'unsupported', [
  ['unsafe-no-fsync', 'bool', 'false', 'Skip fsync; loses acknowledged writes on a crash.'],
  ['force-new-cluster', 'bool', 'false', 'Restart as a new one-member cluster.'],
]);

const keel: readonly FlagDef[] = group('Keel', 'keel', [
  [
    'config-file',
    'string',
    '',
    "YAML file with etcd's keys; when given, other flags and ETCD_* variables are ignored.",
    noFile,
  ],
  ['version', 'bool', 'false', 'Print the version and exit.', noFile],
  [
    'dry-run',
    'bool',
    'false',
    "Print the resolved configuration as JSON and exit (keel's own flag).",
    { keelOnly: true },
  ],
  [
    'lease-checkpoint-interval',
    'duration',
    '5m0s',
    'Time between two checkpoints of one lease, with --experimental-enable-lease-checkpoint ' +
      "(keel's own flag: etcd sets it only in its server config).",
    { keelOnly: true },
  ],
  [
    'unsafe-fault-injection-url',
    'string',
    '',
    'TESTS ONLY, never in production: serve an HTTP endpoint on this loopback URL that cuts, ' +
      "delays or drops this member's Raft messages to chosen peers (keel's own flag; off when empty).",
    { keelOnly: true },
  ],
]);

/** Every flag of the `keel` command, in help order. */
export const flagTable: readonly FlagDef[] = [
  ...member,
  ...clustering,
  ...security,
  ...auth,
  ...monitoring,
  ...logging,
  ...tracing,
  ...tuning,
  ...unsafe,
  ...keel,
];

const byName = new Map(flagTable.map((d) => [d.name, d]));

/** The flag called `name` (without dashes), or undefined when keel does not know it. */
export function findFlag(name: string): FlagDef | undefined {
  return byName.get(name);
}

/** The `ETCD_*` variable etcd reads for a flag: ETCD_ + the name upper-cased, `-` as `_`. */
export function flagToEnv(name: string): string {
  return `ETCD_${name.toUpperCase().replaceAll('-', '_')}`;
}
