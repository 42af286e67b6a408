// Goal: resolveConfig applies etcd's TLS rules: an https client, metrics or peer URL needs TLS
// for its side (etcd's message), and a TlsConfig names its files. Method: one bad input per
// rule through resolveConfig; no file is read here (tls-files.ts reads them at start).
import { describe, expect, it } from 'vitest';
import { resolveConfig, type ServerConfig, type TlsConfig } from './config.js';
import { isEmbedError } from './errors.js';

function refusal(config: ServerConfig): string {
  try {
    resolveConfig(config);
    return 'accepted';
  } catch (e) {
    if (!isEmbedError(e, 'INVALID_CONFIG')) throw e;
    return `${e.field ?? '?'}: ${e.message}`;
  }
}

const tls: TlsConfig = { certFile: '/tls/a.crt', keyFile: '/tls/a.key' };
const https = 'https://127.0.0.1:2379';
const client = { listenClientUrls: [https], advertiseClientUrls: [https] };
const peer = { listenPeerUrls: ['https://127.0.0.1:2380'] };
const peerAdvertised = { ...peer, initialAdvertisePeerUrls: ['https://127.0.0.1:2380'] };

describe('resolveConfig TLS rules', () => {
  it('refuses an https listener without TLS for its side, with etcd message', () => {
    expect(refusal(client)).toBe(
      'clientTls: invalid config clientTls: TLS key/cert (clientTls.certFile, clientTls.keyFile) ' +
        `must be provided for client url ${https} with HTTPS scheme`,
    );
    expect(refusal({ listenMetricsUrls: ['https://127.0.0.1:2381'] })).toBe(
      'clientTls: invalid config clientTls: TLS key/cert (clientTls.certFile, clientTls.keyFile) ' +
        'must be provided for metrics url https://127.0.0.1:2381 with HTTPS scheme',
    );
    expect(refusal({ ...peerAdvertised, clientTls: tls })).toBe(
      'peerTls: invalid config peerTls: TLS key/cert (peerTls.certFile, peerTls.keyFile) ' +
        'must be provided for peer url https://127.0.0.1:2380 with HTTPS scheme',
    );
  });

  it('accepts https listeners with TLS, and TLS on http listeners (etcd ignores it there)', () => {
    expect(refusal({ ...client, clientTls: tls })).toBe('accepted');
    expect(refusal({ ...peerAdvertised, peerTls: { ...tls, clientCertAuth: true } })).toBe(
      'accepted',
    );
    expect(refusal({ clientTls: tls, peerTls: tls })).toBe('accepted');
    expect(resolveConfig({ ...client, clientTls: tls }).clientTls).toEqual(tls);
  });

  it('refuses a TlsConfig whose files are not paths', () => {
    const bad = (t: object): string => refusal({ ...client, clientTls: t as TlsConfig });
    expect(bad({ keyFile: '/k' })).toBe(
      'clientTls.certFile: invalid config clientTls.certFile: must be a file path',
    );
    expect(refusal({ ...peer, peerTls: { ...tls, keyFile: '' } })).toBe(
      'peerTls.keyFile: invalid config peerTls.keyFile: must be a file path',
    );
    expect(bad({ ...tls, trustedCaFile: 3 })).toBe(
      'clientTls.trustedCaFile: invalid config clientTls.trustedCaFile: must be a file path',
    );
    expect(bad({ ...tls, clientCertAuth: 'yes' })).toBe(
      'clientTls.clientCertAuth: invalid config clientTls.clientCertAuth: must be true or false',
    );
  });
});
