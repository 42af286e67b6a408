import { keelBuild } from '../../tsup.shared.ts';

export default keelBuild(['src/index.ts']);
