import { app, type HttpResponseInit } from '@azure/functions';
import { viewerHeaders, viewerPage } from '../lib/viewer/viewer-assets';
import { failsWithError } from './shared/function-app';

/** `GET /api/viewer`: the web viewer's page (anonymous: it holds no data and asks for the function key). */
export const viewerFunction = async (): Promise<HttpResponseInit> => {
  const page = await viewerPage();
  return { status: 200, headers: viewerHeaders(page.contentType), body: page.body };
};

app.http('viewer', {
  route: 'viewer',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: failsWithError(viewerFunction),
});
