import { keelProject } from '../../vitest.shared.ts';

export default keelProject('embed');
