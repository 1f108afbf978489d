import { app, type HttpRequest, type HttpResponseInit } from '@azure/functions';
import { viewerAsset, viewerHeaders } from '../lib/viewer/viewer-assets';
import { failsWithError } from './shared/function-app';

/** `GET /api/viewer/{asset}`: the viewer's stylesheet and compiled scripts (anonymous, no data). */
export const viewerAssetFunction = async (request: HttpRequest): Promise<HttpResponseInit> => {
  const asset = await viewerAsset(request.params.asset ?? '');
  if (!asset) return { status: 404, jsonBody: { error: `no viewer file ${request.params.asset ?? ''}` } };
  return { status: 200, headers: viewerHeaders(asset.contentType), body: asset.body };
};

app.http('viewer-asset', {
  route: 'viewer/{asset}',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: failsWithError(viewerAssetFunction),
});
