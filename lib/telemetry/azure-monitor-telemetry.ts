import { DefaultAzureCredential } from '@azure/identity';
import { useAzureMonitor, shutdownAzureMonitor } from '@azure/monitor-opentelemetry';
import type { Config } from '../config';
import { entraClientIdOf } from './entra-client-id';

/**
 * Application Insights through the Azure Monitor distro: traces, metrics and logs, with an Entra token of the
 * app's identity when APPLICATIONINSIGHTS_AUTHENTICATION_STRING says `Authorization=AAD` (the template
 * disables key-based ingestion). Returns the shutdown.
 */
export const startAzureMonitor = (config: Config): (() => Promise<void>) => {
  const clientId = entraClientIdOf(config.appInsightsAuthenticationString);
  useAzureMonitor({
    azureMonitorExporterOptions: {
      connectionString: config.appInsightsConnectionString,
      ...(clientId === undefined
        ? {}
        : { credential: new DefaultAzureCredential({ managedIdentityClientId: clientId ?? undefined }) }),
    },
  });
  return () => shutdownAzureMonitor();
};
