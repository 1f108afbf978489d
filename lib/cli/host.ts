import { randomBytes } from 'node:crypto';
import { getConfig } from '../config';
import { describeError } from '../errors';
import { consoleLogger } from '../log';
import { disposeRuntime } from '../runtime';
import { queueHostSettings, readHostJson } from '../local/host-settings';
import type * as LocalHostModule from '../local/local-host';
import { exitWithParent } from '../local/exit-with-parent';
import { parseCommand, runMain } from './command';
import { functionsDistDir, hostJsonPath } from '../util/paths';

const spec = {
  name: 'npm run host',
  synopsis: '[-- --help]',
  description:
    'Runs the statmgr functions on the local host: the queue triggers with the rules of host.json and the HTTP\n' +
    'API on http://127.0.0.1:$STATMGR_HTTP_PORT/api. Start the emulators first (npm run emulators).\n' +
    'SIGTERM or Ctrl-C drains: no new fetches, in-flight messages finish, unfinished ones stay in the queue.\n' +
    'A Storage error the Functions host treats as fatal (on fetch, delete, release or poison copy) stops the\n' +
    'host with exit code 1, as it stops the application in Azure; npm start then restarts it.',
  options: {
    'exit-with-stdin': {
      type: 'boolean',
      help: 'drain and stop when standard input closes (npm start: the host ends with it, however it ends)',
    },
  },
  settings: [
    'StatusStorage',
    'COSMOS_ENDPOINT',
    'COSMOS_KEY',
    'STATMGR_HTTP_PORT',
    'STATMGR_QUEUE_LOCK_SECONDS',
    'STATMGR_API_KEY',
    'STATMGR_DRAIN_SECONDS',
    'STATMGR_HOST_JSON',
    'STATMGR_TELEMETRY',
    'APPLICATIONINSIGHTS_CONNECTION_STRING',
  ],
} as const;

const main = async (): Promise<void> => {
  const parsed = parseCommand(spec, process.argv.slice(2));
  if (!parsed) return;
  const log = consoleLogger({ component: 'host' });
  const config = getConfig();
  const apiKey = config.apiKey ?? randomBytes(18).toString('base64url');
  // Loaded only now: the function files read the configuration as they load, and a malformed setting must
  // end in main's one-line error (above), not in a stack trace from a require.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { LocalHost } = require('../local/local-host') as typeof LocalHostModule;
  const host = await LocalHost.start({
    functionsDir: functionsDistDir,
    queueSettings: queueHostSettings(readHostJson(config.hostJsonPath ?? hostJsonPath)),
    config,
    apiKey,
    log,
    onFatal: (error) => {
      // As the Functions host's unhandled-exception handler: stop now. In-flight messages were not deleted;
      // they reappear when their lock runs out.
      log.error('stopping: fatal Storage error', { error: describeError(error) });
      process.exit(1);
    },
  });
  log.info('host ready', {
    api: `http://127.0.0.1:${host.httpPort}/api`,
    pid: process.pid,
    ...(config.apiKey ? {} : { apiKey }),
  });
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) {
      log.warn('second signal, exiting now; unfinished messages reappear when their lock expires', {
        signal,
      });
      process.exit(1);
    }
    stopping = true;
    log.info('draining', { signal, inFlight: host.inFlight, graceSeconds: config.drainSeconds });
    void host.stop(config.drainSeconds * 1000).then((unfinished) => {
      log.info('stopped', { unfinished });
      disposeRuntime();
      process.exit(0);
    });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  if (parsed.values['exit-with-stdin']) exitWithParent(() => shutdown('stdin closed'));
};

runMain('host', main);
