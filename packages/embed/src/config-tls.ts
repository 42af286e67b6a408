// etcd's TLS rules on a config: each TlsConfig names its certificate and key, and a listener
// with an https URL has TLS for its side (client URLs and https metrics URLs use `clientTls`,
// as etcd's metrics listener does; peer URLs use `peerTls`). Files are read at start, in
// tls-files.ts, so that a config can be checked without touching the disk.
import type { ServerConfig, TlsConfig } from './config.js';
import { EmbedError } from './errors.js';

function invalid(field: string, rule: string): never {
  throw new EmbedError({
    code: 'INVALID_CONFIG',
    message: `invalid config ${field}: ${rule}`,
    field,
  });
}

function checkPath(field: string, value: unknown): void {
  if (typeof value !== 'string' || value === '') invalid(field, 'must be a file path');
}

function checkTlsShape(field: 'clientTls' | 'peerTls', tls: TlsConfig | undefined): void {
  if (tls === undefined) return;
  checkPath(`${field}.certFile`, tls.certFile);
  checkPath(`${field}.keyFile`, tls.keyFile);
  if (tls.trustedCaFile !== undefined) checkPath(`${field}.trustedCaFile`, tls.trustedCaFile);
  if (tls.clientCertAuth !== undefined && typeof tls.clientCertAuth !== 'boolean') {
    invalid(`${field}.clientCertAuth`, 'must be true or false');
  }
}

function checkHttps(
  field: 'clientTls' | 'peerTls',
  urls: { readonly what: string; readonly list: readonly string[] },
  tls: TlsConfig | undefined,
): void {
  const https = urls.list.find((u) => u.startsWith('https:'));
  if (https === undefined || tls !== undefined) return;
  invalid(
    field,
    `TLS key/cert (${field}.certFile, ${field}.keyFile) must be provided for ${urls.what} ` +
      `${https} with HTTPS scheme`,
  );
}

/**
 * Checks etcd's TLS rules on `input`, whose URLs are already checked.
 *
 * @throws EmbedError `INVALID_CONFIG` naming the field: a TLS file that is not a path, or an
 *   https listener URL without TLS for its side.
 */
export function checkTlsConfig(
  input: ServerConfig,
  urls: {
    readonly listenClientUrls: readonly string[];
    readonly listenPeerUrls: readonly string[];
    readonly listenMetricsUrls: readonly string[];
  },
): void {
  checkTlsShape('clientTls', input.clientTls);
  checkTlsShape('peerTls', input.peerTls);
  checkHttps('clientTls', { what: 'client url', list: urls.listenClientUrls }, input.clientTls);
  checkHttps('clientTls', { what: 'metrics url', list: urls.listenMetricsUrls }, input.clientTls);
  checkHttps('peerTls', { what: 'peer url', list: urls.listenPeerUrls }, input.peerTls);
}
