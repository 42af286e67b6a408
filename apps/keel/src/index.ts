// @keel/keel: the standalone member's programmatic surface (used by tools/chaos and tools/bench).
export { etcdApiVersion, keelVersion, versionText } from './version.js';
