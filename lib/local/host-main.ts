import { randomBytes } from 'node:crypto';
import { getConfig } from '../config';
import { describeError } from '../errors';
import { consoleLogger } from '../log';
import { disposeRuntime } from '../runtime';
import { queueHostSettings, readHostJson } from './host-settings';
import type * as LocalHostModule from './local-host';
import { functionsDistDir, hostJsonPath } from './paths';

const usage = `Usage: npm run host [-- --help]

Runs the statmgr functions on the local host: the queue triggers with the rules of host.json and the HTTP
API on http://127.0.0.1:$STATMGR_HTTP_PORT/api (default 7071). Start the emulators first (npm run emulators).

Settings (environment):
  StatusStorage               Storage connection string (default: Azurite on 127.0.0.1:10001)
  COSMOS_ENDPOINT, COSMOS_KEY Cosmos DB endpoint and key (default: the emulator on https://127.0.0.1:8081)
  STATMGR_HTTP_PORT           HTTP port (default 7071; 0 picks a free port)
  STATMGR_QUEUE_LOCK_SECONDS  how long a fetched message stays hidden, renewed at half-time (default 60)
  STATMGR_API_KEY             function key for protected endpoints (default: a random key, printed)
  STATMGR_DRAIN_SECONDS       grace for in-flight work on SIGTERM/SIGINT (default 30)
  STATMGR_HOST_JSON           host.json to read (default: the project's own)
  STATMGR_TELEMETRY           console: print a metrics summary line every 10 s; off (default)
  APPLICATIONINSIGHTS_CONNECTION_STRING  export traces and metrics to Application Insights instead

SIGTERM or Ctrl-C drains: no new fetches, in-flight messages finish, unfinished ones stay in the queue.`;

const main = async (): Promise<void> => {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    console.log(usage);
    return;
  }
  const unknown = process.argv.slice(2);
  if (unknown.length > 0) throw new Error(`unknown argument ${unknown[0]}; see --help`);
  const log = consoleLogger({ component: 'host' });
  const config = getConfig();
  const apiKey = config.apiKey ?? randomBytes(18).toString('base64url');
  // Loaded only now: the function files read the configuration as they load, and a malformed setting must
  // end in main's one-line error (above), not in a stack trace from a require.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { LocalHost } = require('./local-host') as typeof LocalHostModule;
  const host = await LocalHost.start({
    functionsDir: functionsDistDir,
    queueSettings: queueHostSettings(readHostJson(config.hostJsonPath ?? hostJsonPath)),
    config,
    apiKey,
    log,
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
};

main().catch((error: unknown) => {
  console.error(`statmgr host: ${describeError(error)}`);
  process.exit(1);
});
