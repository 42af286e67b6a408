import { keelBuild } from '../../tsup.shared.ts';

// `bench-etcd.ts` is the `pnpm bench:etcd` command and `load-worker.ts` its worker threads' entry:
// both are built so the benchmark runs from dist with plain node.
export default keelBuild(['src/index.ts', 'src/bench-etcd.ts', 'src/load-worker.ts']);
