import { join } from 'node:path';
import { getConfig } from '../../lib/config';
import { describeError } from '../../lib/errors';
import { queueHostSettings } from '../../lib/local/host-settings';
import { LocalHost } from '../../lib/local/local-host';
import { consoleLogger } from '../../lib/log';
import { disposeRuntime } from '../../lib/runtime';

/**
 * The naive baseline's host: the same local host, loading only test/bench/naive, with the Functions host's
 * default queue settings (an empty host.json). SIGTERM drains and exits.
 */
const main = async (): Promise<void> => {
  const log = consoleLogger({ component: 'naive-host' });
  const config = getConfig();
  const host = await LocalHost.start({
    functionsDir: join(__dirname, 'naive'),
    queueSettings: queueHostSettings({}),
    config,
    apiKey: 'bench',
    log,
    onFatal: (error) => {
      log.error('stopping: fatal Storage error', { error: describeError(error) });
      process.exit(1);
    },
  });
  log.info('host ready', { pid: process.pid });
  process.once('SIGTERM', () => {
    void host.stop(config.drainSeconds * 1000).then(() => {
      disposeRuntime();
      process.exit(0);
    });
  });
};

main().catch((error: unknown) => {
  console.error(`naive host: ${describeError(error)}`);
  process.exit(1);
});
