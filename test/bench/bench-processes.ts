import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { freePort } from '../../lib/local/free-port';
import { projectRoot } from '../../lib/util/paths';
import { stopChild } from '../../lib/local/stop-child';

/** A child process the bench started; stopped by its pid with SIGTERM (the processes drain and exit). */
export interface BenchProcess {
  readonly pid: number;
  /** Lines the process wrote to stderr (warnings, errors), for the report. */
  readonly warnings: string[];
  /** Peak resident set size so far (VmHWM from /proc/<pid>/status), in MB. */
  peakRssMb(): number;
  /** False once the process has exited. */
  isRunning(): boolean;
  /** Resident set size now (VmRSS), in MB. */
  rssMb(): number;
  /** CPU time (user + system) the process has used so far, in seconds. */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

export const distScript = (...parts: string[]): string => join(projectRoot, 'dist', ...parts);

const statusMbOf = (pid: number, field: 'VmHWM' | 'VmRSS'): number => {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1];
  if (kb === undefined) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Math.round((Number(kb) / 1024) * 10) / 10;
};

/** utime + stime of a process from /proc/<pid>/stat (clock ticks of 10 ms on Linux). */
export const cpuSecondsOf = (pid: number): number => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
};

/**
 * Runs a node script and resolves once a stdout line matches `ready` (with that line). Stdout is read and
 * dropped (the hosts log a line per queue message); stderr lines are kept as warnings.
 */
const startNode = async (
  script: string,
  args: readonly string[],
  env: Readonly<Record<string, string>>,
  ready: (line: string) => boolean,
  nodeArgs: readonly string[] = [],
): Promise<{ child: ChildProcess; readyLine: string; warnings: string[] }> => {
  const child = spawn(process.execPath, [...nodeArgs, script, ...args], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const warnings: string[] = [];
  createInterface({ input: child.stderr }).on('line', (line) => {
    warnings.push(line);
  });
  const readyLine = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    let isReady = false;
    lines.on('line', (line) => {
      if (!isReady && ready(line)) {
        isReady = true;
        resolve(line);
      }
    });
    child.once('exit', (code) =>
      reject(new Error(`${script} exited with code ${code} before it was ready:\n${warnings.join('\n')}`)),
    );
  });
  return { child, readyLine, warnings };
};

const asBenchProcess = (child: ChildProcess, warnings: string[]): BenchProcess => ({
  pid: child.pid ?? -1,
  warnings,
  isRunning: () => child.exitCode === null && child.signalCode === null,
  peakRssMb: () => statusMbOf(child.pid ?? -1, 'VmHWM'),
  rssMb: () => statusMbOf(child.pid ?? -1, 'VmRSS'),
  cpuSeconds: () => cpuSecondsOf(child.pid ?? -1),
  stop: () => stopChild(child),
});

export interface BenchEmulators extends BenchProcess {
  /** StatusStorage and COSMOS_ENDPOINT of these emulators. */
  readonly env: Readonly<Record<string, string>>;
  /** CPU seconds so far of the Cosmos emulator (this process) and of Azurite (its child). */
  readonly cpu: () => { cosmos: number; azurite: number };
}

/** `npm run emulators` on free ports, in its own process (Azurite in a child of it, Cosmos in it). */
export const startBenchEmulators = async (): Promise<BenchEmulators> => {
  const { child, readyLine, warnings } = await startNode(
    distScript('lib', 'cli', 'emulators.js'),
    ['--queue-port', '0', '--cosmos-port', '0'],
    {},
    (line) => line.startsWith('{"ready":true'),
  );
  const { env, azuritePid } = JSON.parse(readyLine) as { env: Record<string, string>; azuritePid: number };
  const emulators = asBenchProcess(child, warnings);
  return {
    ...emulators,
    env,
    cpu: () => ({ cosmos: emulators.cpuSeconds(), azurite: cpuSecondsOf(azuritePid) }),
  };
};

export interface HostOptions {
  readonly script: string;
  readonly env: Readonly<Record<string, string>>;
  /** e.g. `--cpu-prof` to profile the host. */
  readonly nodeArgs?: readonly string[];
}

/** A host process (the pipeline's `npm run host` or the naive one) on a free HTTP port; ready when it says so. */
export const startBenchHost = async (options: HostOptions): Promise<BenchProcess> => {
  const { child, warnings } = await startNode(
    options.script,
    [],
    {
      STATMGR_HTTP_PORT: String(await freePort()),
      STATMGR_API_KEY: 'bench',
      STATMGR_DRAIN_SECONDS: '20',
      ...options.env,
    },
    (line) => line.includes('host ready'),
    options.nodeArgs,
  );
  return asBenchProcess(child, warnings);
};

export interface HandlerCpu {
  readonly messages: number;
  readonly seconds: number;
  readonly handlerCpuUsPerMsg: number;
  /** The same with envelopes numbered as an agent numbers them (the ingest records the agent's range too). */
  readonly handlerNumberedCpuUsPerMsg: number;
  /** The same for a fleet's traffic: envelopes of 10, each from a machine of one site reporting once in the run. */
  readonly handlerFleetCpuUsPerMsg: number;
  /** CPU of one transactional batch of 100 documents, and of one small create, in microseconds. */
  readonly batchRequestCpuUs: number;
  readonly createRequestCpuUs: number;
}

/** Runs a bench script of test/bench to its end and returns the JSON line it prints (starting with `prefix`). */
const jsonLineOf = async <T>(
  script: string,
  args: readonly (string | number)[],
  env: Readonly<Record<string, string>>,
  prefix: string,
): Promise<T> => {
  const { child, readyLine, warnings } = await startNode(
    distScript('test', 'bench', script),
    args.map(String),
    env,
    (line) => line.startsWith(prefix),
  );
  await new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(null)));
  if (child.exitCode !== 0) throw new Error(`${script} exited ${child.exitCode}: ${warnings.join('\n')}`);
  return JSON.parse(readyLine) as T;
};

/** Runs test/bench/handler-cpu-main.js (the ingest handler alone) and returns its JSON line. */
export const measureHandlerCpu = (
  env: Readonly<Record<string, string>>,
  messages: number,
  machines: number,
): Promise<HandlerCpu> => jsonLineOf('handler-cpu-main.js', [messages, machines], env, '{"messages"');

export interface QueueSideCpu {
  readonly statusMessages: number;
  readonly queueSideCpuUsPerMsg: number;
}

/** Runs test/bench/queue-cpu-main.js (the local host with a function that does nothing) and returns its JSON line. */
export const measureQueueSideCpu = (
  env: Readonly<Record<string, string>>,
  messages: number,
  machines: number,
): Promise<QueueSideCpu> => jsonLineOf('queue-cpu-main.js', [messages, machines], env, '{"statusMessages"');
