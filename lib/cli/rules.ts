import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { getConfig } from '../config';
import { describeError, ValidationError } from '../errors';
import { getRules, putRules, testRules, type RulesApi } from '../rules/rules-client';
import type { StatusFilterRule } from '../rules/rule-types';
import { checkRuleFile } from '../rules/validate-rules';

const usage = `Usage: npm run rules -- <command> [options]

Manages the status filter rules of a running statmgr (HTTP API /api/rules). Rules are evaluated in order
for every status message; see docs/rules.md and schema/status-filter-rules.schema.json.

Commands:
  list             the rules, in order, and their etag
  put FILE         replace the whole list with FILE ({ "rules": [...] }); checked here against the schema
                   first, then by the server (webhook hosts, signing secret). Takes effect within 30 s
  test MESSAGE     which rules match a status message and what they decide; MESSAGE is a JSON file or
                   the JSON itself, e.g. '{"time":"2026-11-25T13:37:00Z","severity":"error",...}'

Options:
  --url URL        the API's base URL (default STATMGR_API_URL, else http://127.0.0.1:STATMGR_HTTP_PORT/api)
  --key KEY        function key, sent as x-functions-key (default STATMGR_API_KEY; npm start prints it)
  --if-match ETAG  put: only if the rules are still at this etag (from list); default: the current one
  --json           print the server's JSON answer
  -h, --help       this text

Examples:
  npm run rules -- list
  npm run rules -- put examples/status-filter-rules.json
  npm run rules -- test '{"time":"2026-11-25T13:37:00Z","severity":"error","messageId":4405,
                          "component":"SMS_SITE_COMPONENT_MANAGER","site":"P01","machine":"SRV-01"}'`;

const options = {
  url: { type: 'string' },
  key: { type: 'string' },
  'if-match': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const commands = ['list', 'put', 'test'] as const;

/** Edit distance, for "did you mean" on typos. */
const distance = (a: string, b: string): number => {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i += 1) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j += 1) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
};

const suggestion = (given: string, known: readonly string[]): string => {
  const best = known.map((name) => ({ name, d: distance(given, name) })).sort((a, b) => a.d - b.d)[0];
  return best && best.d <= 2 ? `; did you mean ${best.name}?` : '';
};

const parse = () => {
  try {
    return parseArgs({ allowPositionals: true, strict: true, options });
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    const unknown = /Unknown option '(-{1,2}[^']+)'/.exec(text)?.[1];
    const flags = Object.keys(options).map((name) => `--${name}`);
    throw new ValidationError([
      unknown
        ? `unknown option ${unknown}${suggestion(unknown, flags)} (see --help)`
        : `${text} (see --help)`,
    ]);
  }
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
        : `${what} "${source.slice(0, 60)}" is neither a file nor JSON`,
    ]);
  }
};

const describeRule = (rule: StatusFilterRule, index: number): string =>
  `${index}. ${rule.name}${rule.enabled === false ? ' (disabled)' : ''}\n     match   ${JSON.stringify(rule.match)}\n     actions ${JSON.stringify(rule.actions)}`;

const main = async (): Promise<void> => {
  const { values, positionals } = parse();
  if (values.help || positionals.length === 0) return console.log(usage);
  const [command, ...args] = positionals;
  if (!commands.includes(command as (typeof commands)[number])) {
    throw new ValidationError([
      `unknown command "${command}"${suggestion(command ?? '', commands)} (list, put FILE, test MESSAGE)`,
    ]);
  }
  const expected = command === 'list' ? 0 : 1;
  if (args.length !== expected) {
    throw new ValidationError([
      `${command} takes ${expected === 0 ? 'no arguments' : command === 'put' ? 'one FILE' : 'one MESSAGE'}, got ${args.length}`,
    ]);
  }
  if (values['if-match'] !== undefined && command !== 'put')
    throw new ValidationError(['--if-match goes with put']);
  const config = getConfig();
  const api: RulesApi = {
    baseUrl: (values.url ?? config.rules.apiUrl).replace(/\/+$/, ''),
    key: values.key ?? config.apiKey,
  };
  if (command === 'list') {
    const stored = await getRules(api);
    if (values.json) return console.log(JSON.stringify(stored, null, 2));
    stored.rules.forEach((rule, index) => console.log(describeRule(rule, index)));
    console.log(`${stored.rules.length} rule(s), etag ${stored.etag}`);
  } else if (command === 'put') {
    const file = args[0]!;
    if (!existsSync(file)) throw new ValidationError([`${file}: no such file`]);
    const body = readJson(file, 'FILE');
    const checked = checkRuleFile(body);
    if (!checked.ok) throw new ValidationError(checked.reasons.map((reason) => `${file}: ${reason}`));
    const stored = await putRules(api, checked.value, values['if-match']);
    if (values.json) return console.log(JSON.stringify(stored, null, 2));
    console.log(
      `stored ${stored.rules.length} rule(s), etag ${stored.etag}; every instance applies them within 30 s`,
    );
  } else {
    const evaluation = await testRules(api, readJson(args[0]!, 'MESSAGE'));
    if (values.json) return console.log(JSON.stringify(evaluation, null, 2));
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
  }
};

main().catch((error: unknown) => {
  console.error(
    error instanceof ValidationError
      ? `statmgr rules: ${error.reasons.join('\n  ')}`
      : `statmgr rules: ${describeError(error)}`,
  );
  process.exit(error instanceof ValidationError ? 2 : 1);
});
