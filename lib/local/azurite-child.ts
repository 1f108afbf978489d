import { exitWithParent } from './exit-with-parent';

/**
 * Azurite's queue service, run in this process with the arguments this process got, ending when its
 * standard input closes: the emulators process that started it holds the pipe, so Azurite never outlives it.
 */
exitWithParent(() => process.exit(0));
// eslint-disable-next-line @typescript-eslint/no-require-imports
require('azurite/dist/src/queue/main.js');
