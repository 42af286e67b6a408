/** Keel's version, and the etcd API version its gRPC surface speaks. */
export const keelVersion = '0.1.0';
export const etcdApiVersion = '3.6';

/** The lines `keel --version` prints, in etcd's layout. */
export function versionText(): string {
  return [
    `keel Version: ${keelVersion}`,
    `etcd API Version: ${etcdApiVersion}`,
    `Node Version: ${process.version}`,
    `Node OS/Arch: ${process.platform}/${process.arch}`,
  ].join('\n');
}
