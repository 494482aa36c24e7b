/**
 * Apollo Sandbox as the router's landing page in development, told where subscriptions are served (the
 * same URL over ws:// or wss://, protocol graphql-transport-ws), which Apollo Server's own landing page
 * cannot be told. The page is Apollo's embeddable Sandbox, loaded from Apollo's CDN as theirs is.
 */
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import type { RouterFeature } from '../router-feature.ts';

const SANDBOX_VERSION = 'v2';

const PAGE = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8" />
<title>Pharmacy supergraph · Apollo Sandbox</title>
<style>html, body { margin: 0; height: 100%; } #sandbox { position: fixed; inset: 0; }</style>
</head>
<body>
<div id="sandbox"></div>
<script src="https://embeddable-sandbox.cdn.apollographql.com/${SANDBOX_VERSION}/embeddable-sandbox.umd.production.min.js"></script>
<script>
  var endpoint = window.location.href.split('#')[0];
  new window.EmbeddedSandbox({
    target: '#sandbox',
    initialEndpoint: endpoint,
    initialSubscriptionEndpoint: endpoint.replace(/^http/, 'ws'),
    endpointIsEditable: false,
    includeCookies: false,
    runTelemetry: false,
  });
</script>
</body>
</html>
`;

export interface LandingPageOptions {
  /** In production the router serves no landing page (and no Sandbox). */
  production: boolean;
}

export function useLandingPage({ production }: LandingPageOptions): RouterFeature {
  return {
    name: 'landing page',
    plugins: [
      production
        ? ApolloServerPluginLandingPageDisabled()
        : {
            async serverWillStart() {
              return {
                async renderLandingPage() {
                  return { html: PAGE };
                },
              };
            },
          },
    ],
  };
}
