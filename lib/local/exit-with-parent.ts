/**
 * Calls `onParentGone` once when this process's standard input closes. `npm start` gives each child a pipe
 * as stdin and never writes to it: the pipe closes when the supervisor ends, however it ends (Ctrl-C, a
 * closed terminal's SIGHUP, SIGKILL, a crash), so the emulators and the host end with it and leave no ports
 * taken. Works on any OS, no native code. Writes to a parent that is gone are dropped rather than crash.
 */
export const exitWithParent = (onParentGone: () => void): void => {
  let gone = false;
  const once = (): void => {
    if (gone) return;
    gone = true;
    onParentGone();
  };
  process.stdout.on('error', () => undefined);
  process.stdin.on('end', once);
  process.stdin.on('close', once);
  process.stdin.on('error', once);
  process.stdin.resume();
  // Watching must not keep the process alive by itself: it still ends when its own work is done.
  (process.stdin as { unref?: () => void }).unref?.();
};
