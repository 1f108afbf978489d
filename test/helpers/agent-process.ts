import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../../lib/util/paths';

export interface AgentProcess {
  readonly pid: number;
  readonly output: string[];
  readonly exited: Promise<number | null>;
  kill(): Promise<void>;
}

export const agentScript = join(projectRoot, 'dist', 'lib', 'cli', 'agent.js');

/** Runs the agent CLI (`dist/lib/cli/agent.js`, built by `npm test`) as its own process. */
export const startAgentProcess = (
  args: readonly string[],
  env: Readonly<Record<string, string>>,
): AgentProcess => {
  const output: string[] = [];
  const child = spawn(process.execPath, [agentScript, ...args], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const collect = (chunk: Buffer): void => {
    output.push(...chunk.toString('utf8').split('\n').filter(Boolean));
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    pid: child.pid ?? -1,
    output,
    exited,
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
};
