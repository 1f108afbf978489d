/** The managed identity client id of `ClientId=<id>;Authorization=AAD`, or undefined without Entra auth. */
export const entraClientIdOf = (authenticationString: string | undefined): string | null | undefined => {
  if (!authenticationString || !/(^|;)\s*Authorization=AAD\s*(;|$)/i.test(authenticationString))
    return undefined;
  return /(?:^|;)\s*ClientId=([^;]+)/i.exec(authenticationString)?.[1]?.trim() ?? null;
};
