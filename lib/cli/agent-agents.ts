import { machineName } from '../agent/sample-traffic';
import { parseCommand, wholeNumber } from './command';
import { agentStatuses, cosmosSettings } from './agent-reporter';

const spec = {
  name: 'npm run agent -- agents',
  synopsis: '[options]',
  description:
    'Per machine: the highest contiguous sequence number stored and the gaps (reads Cosmos).\nExits 3 when there are gaps.',
  options: {
    site: { type: 'string', arg: 'CODE', help: 'site (default P01)' },
    machine: { type: 'string', arg: 'NAME', help: 'one machine (default: WS-0000.. for --machines M)' },
    machines: { type: 'string', arg: 'M', help: 'machines WS-0000.. to read (default 10)' },
    'gap-age': {
      type: 'string',
      arg: 'S',
      help: 'report missing numbers older than S seconds as gaps (default 0)',
    },
  },
  settings: cosmosSettings,
} as const;

export const agents = async (args: readonly string[]): Promise<void> => {
  const parsed = parseCommand(spec, args);
  if (!parsed) return;
  const { values } = parsed;
  const site = values.site ?? 'P01';
  const machines = values.machine
    ? [values.machine]
    : Array.from({ length: wholeNumber(values.machines, 'machines', 10, 1, 100_000) }, (_, m) =>
        machineName(m),
      );
  const gapAge = wholeNumber(values['gap-age'], 'gap-age', 0, 0, 30 * 86_400);
  const statuses = await agentStatuses(site, machines, gapAge);
  let total = 0;
  let gaps = 0;
  statuses.forEach((status, i) => {
    if (!status) return console.log(`  ${site}/${machines[i]}: unknown (nothing numbered stored)`);
    total += status.stored;
    gaps += status.gaps.length;
    const gapText = status.gaps.map((g) => `${g.first}-${g.last} (${g.ageSeconds}s)`).join(', ');
    console.log(
      `  ${site}/${status.machine}: highestContiguous=${status.highestContiguous} highestSeen=${status.highestSeen} stored=${status.stored}${gapText ? ` GAPS ${gapText}` : ''}`,
    );
  });
  console.log(`agents: ${statuses.filter(Boolean).length} known, ${total} numbers stored, ${gaps} gaps`);
  if (gaps > 0) process.exitCode = 3;
};
