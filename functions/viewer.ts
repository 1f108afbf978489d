import type { HttpResponseInit } from '@azure/functions';
import { viewerHeaders, viewerPage } from '../lib/viewer/viewer-assets';
import { registerHttpFunction, type HttpFunctionDefinition } from './shared/register';

/** `GET /api/viewer`: the web viewer's page (anonymous: it holds no data and asks for the function key). */
export const viewerFunction: HttpFunctionDefinition = {
  kind: 'http',
  name: 'viewer',
  route: 'viewer',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: async (): Promise<HttpResponseInit> => {
    const page = await viewerPage();
    return { status: 200, headers: viewerHeaders(page.contentType), body: page.body };
  },
};

registerHttpFunction(viewerFunction);
