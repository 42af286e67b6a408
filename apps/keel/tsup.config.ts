import { keelBuild } from '../../tsup.shared.ts';

// `src/main.ts` is the command itself, built so tools (tools/bench) can start members from dist
// with plain `node`, without tsx compiling on every start.
export default keelBuild(['src/index.ts', 'src/main.ts']);
