import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { viewerAsset, viewerHeaders } from '../lib/viewer/viewer-assets';
import { registerHttpFunction, type HttpFunctionDefinition } from './shared/register';

/** `GET /api/viewer/{asset}`: the viewer's stylesheet and compiled scripts (anonymous, no data). */
export const viewerAssetFunction: HttpFunctionDefinition = {
  kind: 'http',
  name: 'viewer-asset',
  route: 'viewer/{asset}',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: async (request: HttpRequest): Promise<HttpResponseInit> => {
    const asset = await viewerAsset(request.params.asset ?? '');
    if (!asset) return { status: 404, jsonBody: { error: `no viewer file ${request.params.asset ?? ''}` } };
    return { status: 200, headers: viewerHeaders(asset.contentType), body: asset.body };
  },
};

registerHttpFunction(viewerAssetFunction);
