import type { ChildProcess } from 'node:child_process';

/** Sends `signal` to a child process (by its pid) and resolves once it has exited; at once if it already has. */
export const stopChild = (child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill(signal);
  });
