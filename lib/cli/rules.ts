import { existsSync, readFileSync } from 'node:fs';
import { getConfig } from '../config';
import { describeError, ValidationError } from '../errors';
import { getRules, putRules, testRules, type RulesApi } from '../rules/rules-client';
import type { StatusFilterRule } from '../rules/rule-types';
import { checkRuleFile } from '../rules/validate-rules';
import type { SettingName } from '../settings';
import { didYouMean, parseCommand, runMain } from './command';

const usage = `Usage: npm run rules -- <command> [options]

Manages the status filter rules of a running statmgr through its HTTP API (/api/rules). Rules are evaluated
in order for every status message: discard, retention, summaries, webhooks. See docs/rules.md and
schema/status-filter-rules.schema.json; an example is examples/status-filter-rules.json.

Commands (each has its own options: npm run rules -- <command> --help):
  list             the rules, in order, and their etag
  put FILE         replace the whole list with FILE ({ "rules": [...] }): checked here against the schema,
                   then by the server (webhook hosts, signing secret); every instance applies it within 30 s
  test MESSAGE     which rules match a status message and what they decide; MESSAGE is a JSON file or the
                   JSON itself`;

const settings: readonly SettingName[] = ['STATMGR_API_URL', 'STATMGR_HTTP_PORT', 'STATMGR_API_KEY'];

const apiOptions = {
  url: { type: 'string', arg: 'URL', help: "the API's base URL (default STATMGR_API_URL)" },
  key: {
    type: 'string',
    arg: 'KEY',
    help: 'function key, sent as x-functions-key (default STATMGR_API_KEY; npm start prints it)',
  },
  json: { type: 'boolean', help: "print the server's JSON answer" },
} as const;

const listSpec = {
  name: 'npm run rules -- list',
  synopsis: '[options]',
  description: 'The status filter rules in the order they are evaluated, and the etag a put needs.',
  options: apiOptions,
  settings,
} as const;

const putSpec = {
  name: 'npm run rules -- put',
  synopsis: 'FILE [options]',
  description:
    'Replaces the whole ordered list with FILE ({ "rules": [...] }). The file is checked against the schema\n' +
    'here first; the server checks webhook hosts and the signing secret too. Every instance applies the new\n' +
    'rules within 30 s.',
  options: {
    ...apiOptions,
    'if-match': {
      type: 'string',
      arg: 'ETAG',
      help: 'only if the rules are still at this etag (from list); default: the current one',
    },
  },
  settings,
  positionals: { min: 1, max: 1 },
  examples: ['npm run rules -- put examples/status-filter-rules.json'],
} as const;

const testSpec = {
  name: 'npm run rules -- test',
  synopsis: 'MESSAGE [options]',
  description:
    'Which stored rules match a status message (a JSON file, or the JSON itself) and the resulting actions.',
  options: apiOptions,
  settings,
  positionals: { min: 1, max: 1 },
  examples: [
    `npm run rules -- test '{"time":"2026-11-25T13:37:00Z","severity":"error","messageId":4405,"component":"SMS_SITE_COMPONENT_MANAGER","site":"P01","machine":"SRV-01"}'`,
  ],
} as const;

const apiOf = (values: { url?: string | undefined; key?: string | undefined }): RulesApi => {
  const config = getConfig();
  const baseUrl = values.url ?? config.rules.apiUrl;
  try {
    new URL(baseUrl);
  } catch {
    throw new ValidationError([
      `--url must be an absolute URL such as http://127.0.0.1:7071/api, got "${baseUrl}"`,
    ]);
  }
  return { baseUrl: baseUrl.replace(/\/+$/, ''), key: values.key ?? config.apiKey };
};

const readJson = (source: string, what: string): unknown => {
  const fromFile = existsSync(source);
  const text = fromFile ? readFileSync(source, 'utf8') : source;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ValidationError([
      fromFile
        ? `${source}: is not JSON (${describeError(error)})`
        : `${what} ${JSON.stringify(source.slice(0, 60))} is neither an existing file nor JSON`,
    ]);
  }
};

const describeRule = (rule: StatusFilterRule, index: number): string =>
  [
    `${index}. ${rule.name}${rule.enabled === false ? ' (disabled)' : ''}`,
    `     match   ${JSON.stringify(rule.match)}`,
    `     actions ${JSON.stringify(rule.actions)}`,
  ].join('\n');

const list = async (args: readonly string[]): Promise<void> => {
  const parsed = parseCommand(listSpec, args);
  if (!parsed) return;
  const stored = await getRules(apiOf(parsed.values));
  if (parsed.values.json) return console.log(JSON.stringify(stored, null, 2));
  stored.rules.forEach((rule, index) => console.log(describeRule(rule, index)));
  console.log(`${stored.rules.length} rule(s), etag ${stored.etag}`);
};

const put = async (args: readonly string[]): Promise<void> => {
  const parsed = parseCommand(putSpec, args);
  if (!parsed) return;
  const file = parsed.positionals[0]!;
  if (!existsSync(file)) throw new ValidationError([`${file}: no such file`]);
  const checked = checkRuleFile(readJson(file, 'FILE'));
  if (!checked.ok) throw new ValidationError(checked.reasons.map((reason) => `${file}: ${reason}`));
  const stored = await putRules(apiOf(parsed.values), checked.value, parsed.values['if-match']);
  if (parsed.values.json) return console.log(JSON.stringify(stored, null, 2));
  console.log(
    `stored ${stored.rules.length} rule(s), etag ${stored.etag}; every instance applies them within 30 s`,
  );
};

const test = async (args: readonly string[]): Promise<void> => {
  const parsed = parseCommand(testSpec, args);
  if (!parsed) return;
  const evaluation = await testRules(apiOf(parsed.values), readJson(parsed.positionals[0]!, 'MESSAGE'));
  if (parsed.values.json) return console.log(JSON.stringify(evaluation, null, 2));
  const { matched, stoppedBy, actions } = evaluation;
  console.log(
    matched.length === 0
      ? 'no rule matches'
      : `matches: ${matched.map((m) => `${m.index}. ${m.name}`).join(', ')}`,
  );
  if (stoppedBy !== undefined) console.log(`stopped by: ${stoppedBy}`);
  console.log(
    `store: ${actions.store}  retention: ${actions.retentionDays} days (ttl ${actions.ttl})  summarize: ${actions.summarize}`,
  );
  for (const n of actions.notify) console.log(`notify: ${n.url} (rule ${n.rule})`);
};

const commands = { list, put, test } as const;

runMain('rules', async () => {
  const [command, ...rest] = process.argv.slice(2);
  if (command === undefined || command === '--help' || command === '-h') return console.log(usage);
  if (!Object.hasOwn(commands, command)) {
    throw new ValidationError([
      `unknown command "${command}"${didYouMean(command, Object.keys(commands))} (list, put FILE, test MESSAGE); see npm run rules -- --help`,
    ]);
  }
  return commands[command as keyof typeof commands](rest);
});
