// @keel/bench: Keel against real etcd, side by side.
export { findExecutable } from './find-executable.js';
