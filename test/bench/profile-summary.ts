import { readFileSync } from 'node:fs';

/** The parts of a V8 .cpuprofile (`node --cpu-prof`) that self time needs. */
interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileLine {
  readonly name: string;
  readonly ms: number;
  readonly percent: number;
}

export interface ProfileSummary {
  readonly totalMs: number;
  /** Self time per function (name and file:line). */
  readonly functions: readonly ProfileLine[];
  /** Self time per package (node_modules/<pkg>), statmgr's own code, node internals, GC and idle. */
  readonly areas: readonly ProfileLine[];
}

const areaOf = (url: string, functionName: string): string => {
  if (functionName === '(idle)' || functionName === '(program)' || functionName === '(garbage collector)') {
    return functionName;
  }
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg) return pkg;
  if (url.startsWith('node:') || url === '') return 'node internals';
  return 'statmgr';
};

const top = (totals: Map<string, number>, totalMs: number, count: number): ProfileLine[] =>
  [...totals.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, us]) => ({
      name,
      ms: Math.round(us / 1000),
      percent: Math.round((us / 1000 / totalMs) * 1000) / 10,
    }));

/** Self time by function and by area of a .cpuprofile, largest first. */
export const summarizeProfile = (path: string, count = 15): ProfileSummary => {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const functions = new Map<string, number>();
  const areas = new Map<string, number>();
  let totalUs = 0;
  profile.samples.forEach((id, index) => {
    const frame = byId.get(id);
    const us = profile.timeDeltas[index] ?? 0;
    if (!frame) return;
    totalUs += us;
    const file = frame.url.replace(/^.*node_modules\//, '').replace(/^.*\/(dist|lib)\//, '$1/');
    const name = `${frame.functionName || '(anonymous)'} ${file}${file ? `:${frame.lineNumber + 1}` : ''}`;
    functions.set(name, (functions.get(name) ?? 0) + us);
    const area = areaOf(frame.url, frame.functionName);
    areas.set(area, (areas.get(area) ?? 0) + us);
  });
  const totalMs = totalUs / 1000;
  return {
    totalMs: Math.round(totalMs),
    functions: top(functions, totalMs, count),
    areas: top(areas, totalMs, count),
  };
};

export const formatProfile = (summary: ProfileSummary): string =>
  [
    `profile: ${summary.totalMs} ms sampled`,
    '  self time by area:',
    ...summary.areas.map((line) => `    ${String(line.percent).padStart(5)}%  ${line.ms} ms  ${line.name}`),
    '  self time by function:',
    ...summary.functions.map(
      (line) => `    ${String(line.percent).padStart(5)}%  ${line.ms} ms  ${line.name}`,
    ),
  ].join('\n');

if (require.main === module) {
  const path = process.argv[2];
  if (!path) {
    console.error('Usage: node dist/test/bench/profile-summary.js FILE.cpuprofile');
    process.exit(2);
  }
  console.log(formatProfile(summarizeProfile(path, 25)));
}
