// Reading a member's TLS files at start, before anything touches the data directory, so a
// missing or garbled certificate fails startServer with an error that names the file and what
// to do. The checks are raft-transport-ws's (loadTls), with this config's field names.
import { isTransportError, loadTls, type LoadedTls } from '@keel/raft-transport-ws';
import type { Logger, ResolvedConfig, TlsConfig } from './config.js';
import { EmbedError } from './errors.js';

/** A member's TLS material, loaded for each side that has an https listener. */
export interface MemberTls {
  /** For https client and metrics URLs; undefined when every one is http. */
  readonly client: LoadedTls | undefined;
  /** For an https peer URL (the transport reads the same files); undefined when http. */
  readonly peer: LoadedTls | undefined;
}

function load(field: 'clientTls' | 'peerTls', tls: TlsConfig): LoadedTls {
  const files = {
    certFile: tls.certFile,
    keyFile: tls.keyFile,
    ...(tls.trustedCaFile === undefined ? {} : { caFile: tls.trustedCaFile }),
    clientCertRequired: tls.clientCertAuth ?? false,
  };
  const names = {
    certFile: `${field}.certFile`,
    keyFile: `${field}.keyFile`,
    caFile: `${field}.trustedCaFile`,
  };
  try {
    return loadTls(files, names);
  } catch (e) {
    if (!isTransportError(e, 'INVALID_CONFIG')) throw e;
    throw new EmbedError({
      code: 'INVALID_CONFIG',
      message: `invalid config ${e.message}`,
      field,
      cause: e,
    });
  }
}

/**
 * Loads `tls` when one of `urls` (or of `alsoUrls`, the metrics URLs) is https; warns, as etcd
 * does, that an http URL of `urls` ignores the files.
 */
function loadFor(
  field: 'clientTls' | 'peerTls',
  urls: readonly string[],
  opts: { tls: TlsConfig | undefined; logger: Logger; alsoUrls?: readonly string[] },
): LoadedTls | undefined {
  const { tls, logger } = opts;
  if (tls === undefined) return undefined;
  for (const url of urls.filter((u) => u.startsWith('http:'))) {
    logger.warn(
      { url, field },
      'scheme is HTTP while key and cert files are present; ignoring key and cert files',
    );
  }
  const https = [...urls, ...(opts.alsoUrls ?? [])].some((u) => u.startsWith('https:'));
  return https ? load(field, tls) : undefined;
}

/**
 * Reads and checks the TLS files of every side with an https listener (`resolveConfig` has
 * already refused an https URL without TLS for its side).
 *
 * @throws EmbedError `INVALID_CONFIG` (`field` is `clientTls` or `peerTls`), naming the file,
 *   what is wrong with it (missing, unreadable, not PEM, key of another certificate) and what to do.
 */
export function loadMemberTls(config: ResolvedConfig, logger: Logger): MemberTls {
  return {
    client: loadFor('clientTls', config.listenClientUrls, {
      tls: config.clientTls,
      logger,
      alsoUrls: config.listenMetricsUrls,
    }),
    peer: loadFor('peerTls', config.listenPeerUrls, { tls: config.peerTls, logger }),
  };
}
