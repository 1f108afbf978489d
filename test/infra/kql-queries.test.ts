import '@kusto/language-service-next/bridge.min';
import '@kusto/language-service-next/Kusto.Language.Bridge.min';
import { entry, nodeText, resourceObject } from '../helpers/bicep-tree';
import { readInfra, resources } from '../helpers/bicep';

/**
 * Every KQL query the templates deploy (log alerts, workbook) parsed and analysed by Kusto's own language
 * service (@kusto/language-service-next, offline) against the Application Insights tables they query, so a
 * syntax error, a misspelt column, table or function fails here rather than when the alert first runs.
 */
interface KustoList<T> {
  readonly Count: number;
  getItem(index: number): T;
}
interface KustoCode {
  GetDiagnostics(): KustoList<{
    readonly Severity: string;
    readonly Message: string;
    readonly Start: number;
  }>;
  readonly ResultType: { readonly Columns?: KustoList<{ readonly Name: string }> } | null;
}
interface KustoLanguage {
  readonly KustoCode: { ParseAndAnalyze(text: string, globals: unknown): KustoCode };
  readonly GlobalState: { readonly Default: { WithDatabase(database: unknown): unknown } };
  readonly Symbols: {
    readonly TableSymbol: {
      readonly $ctor7: new (name: string, schema: string, description: string | null) => unknown;
    };
    readonly DatabaseSymbol: { readonly ctor: new (name: string, members: unknown[]) => unknown };
  };
}
const kusto = (globalThis as unknown as { Kusto: { Language: KustoLanguage } }).Kusto.Language;

/**
 * The Application Insights tables as a workspace-based component exposes them to log alerts and workbooks
 * scoped to it (learn.microsoft.com/azure/azure-monitor/reference/tables: AppMetrics, AppRequests, ... under
 * their classic names): the columns the queries may use.
 */
const common =
  'timestamp:datetime, itemType:string, itemId:string, itemCount:int, customDimensions:dynamic, ' +
  'operation_Name:string, operation_Id:string, operation_ParentId:string, cloud_RoleName:string, ' +
  'cloud_RoleInstance:string, appId:string, appName:string, iKey:string, sdkVersion:string';
const tables: Readonly<Record<string, string>> = {
  customMetrics: `name:string, value:real, valueCount:int, valueSum:real, valueMin:real, valueMax:real, valueStdDev:real, ${common}`,
  requests: `id:string, name:string, source:string, url:string, success:bool, resultCode:string, duration:real, performanceBucket:string, customMeasurements:dynamic, ${common}`,
  exceptions: `problemId:string, handledAt:string, type:string, message:string, assembly:string, method:string, outerType:string, outerMessage:string, innermostType:string, innermostMessage:string, severityLevel:int, details:dynamic, customMeasurements:dynamic, ${common}`,
  traces: `message:string, severityLevel:int, customMeasurements:dynamic, ${common}`,
  dependencies: `id:string, target:string, type:string, name:string, data:string, success:bool, resultCode:string, duration:real, performanceBucket:string, customMeasurements:dynamic, ${common}`,
};
const globals = kusto.GlobalState.Default.WithDatabase(
  new kusto.Symbols.DatabaseSymbol.ctor(
    'appinsights',
    Object.entries(tables).map(
      ([name, columns]) => new kusto.Symbols.TableSymbol.$ctor7(name, `(${columns})`, null),
    ),
  ),
);

/** Errors of a query (warnings such as "consider a time filter" are not), and the columns it returns. */
const analyse = (query: string): { errors: string[]; columns: string[] } => {
  const code = kusto.KustoCode.ParseAndAnalyze(query, globals);
  const diagnostics = code.GetDiagnostics();
  const errors: string[] = [];
  for (let i = 0; i < diagnostics.Count; i += 1) {
    const d = diagnostics.getItem(i);
    if (d.Severity === 'Error') errors.push(`${d.Message} (at "${query.slice(d.Start, d.Start + 30)}")`);
  }
  const columns: string[] = [];
  const list = code.ResultType?.Columns;
  for (let i = 0; i < (list?.Count ?? 0); i += 1) columns.push(list!.getItem(i).Name);
  return { errors, columns };
};

const alertQueries = resources(readInfra('modules/alerts.bicep'))
  .filter((r) => r.type === 'Microsoft.Insights/scheduledQueryRules')
  .flatMap((rule) => {
    const criteria = entry(entry(entry(resourceObject(rule.body), 'properties'), 'criteria'), 'allOf');
    return (criteria?.kind === 'array' ? criteria.items : []).map((criterion) => ({
      name: rule.symbol,
      query: (() => {
        const q = entry(criterion, 'query');
        return q?.kind === 'string' ? q.value : '';
      })(),
      measure: nodeText(entry(criterion, 'metricMeasureColumn')).replace(/^'|'$/g, ''),
    }));
  });

const workbookQueries = (
  JSON.parse(readInfra('workbook.json')) as { items: { content: { title?: string; query?: string } }[] }
).items
  .filter((item) => item.content.query !== undefined)
  .map((item) => ({ name: item.content.title ?? '?', query: item.content.query! }));

describe('KQL in the alerts and the workbook', () => {
  it('finds the queries', () => {
    expect(alertQueries.map((q) => q.name).sort()).toEqual([
      'deadLetterRate',
      'oldestMessage',
      'poisonOldest',
      'poisonQueue',
    ]);
    expect(workbookQueries.length).toBeGreaterThanOrEqual(5);
  });

  it.each(alertQueries.map((q) => [q.name, q] as const))(
    'alert %s: parses, uses known tables and columns, and returns its metricMeasureColumn',
    (_, q) => {
      const { errors, columns } = analyse(q.query);
      expect(errors).toEqual([]);
      expect(columns).toContain(q.measure);
    },
  );

  it.each(workbookQueries.map((q) => [q.name, q.query] as const))(
    'workbook "%s": parses and analyses',
    (_, query) => {
      expect(analyse(query).errors).toEqual([]);
    },
  );

  it('reports a syntax error, an unknown column and an unknown function', () => {
    expect(analyse('customMetrics | where name = = "x"').errors.length).toBeGreaterThan(0);
    expect(analyse('customMetrics | summarize max(valueMaxx)').errors.join()).toMatch(/valueMaxx/);
    expect(analyse('customMetrics | extend x = tostrin(name)').errors.join()).toMatch(/tostrin/);
    expect(analyse('customMetrics | summarize v = max(valueMax)').columns).toEqual(['v']);
  });
});
