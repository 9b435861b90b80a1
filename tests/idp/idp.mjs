// A real OpenID provider for the federation end-to-end test: the certified `oidc-provider`
// package, configured from a JSON file the test writes, on 127.0.0.1 only.
//
//   node idp.mjs CONFIG.json
//
// CONFIG: {"port": N, "issuer": "http://127.0.0.1:N", "jwks": {"keys": [private JWKs]},
//          "clients": [{"client_id": "...", "client_secret": "..."}],
//          "audience": "urn:...", "access_token_ttl": seconds}
//
// Clients use the client_credentials grant with HTTP Basic client authentication (what the
// Delta Sharing Python connector's oauth_client_credentials profile sends). Access tokens are
// JWTs (RFC 9068: typ at+jwt, sub = client_id, aud = the resource, which defaults to
// `audience`; a client may ask for another with the `resource` parameter, RFC 8707). The first
// key of `jwks` signs. Discovery, JWKS and token endpoints are oidc-provider's own; the one thing
// added is GET /test/counts (how many times /jwks and /token were hit), so the test can bound
// the JWKS fetches a flood of forged tokens causes. Prints one JSON line {"ready": true, ...}
// when listening; exits on SIGTERM.
import { readFileSync } from 'node:fs';
import Provider from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const counts = { jwks: 0, token: 0, discovery: 0 };

const provider = new Provider(config.issuer, {
  clients: config.clients.map((c) => ({
    client_id: c.client_id,
    client_secret: c.client_secret,
    grant_types: ['client_credentials'],
    redirect_uris: [],
    response_types: [],
    token_endpoint_auth_method: 'client_secret_basic',
  })),
  jwks: config.jwks,
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => config.audience,
      useGrantedResource: () => true,
      getResourceServerInfo: (ctx, resource) => ({
        scope: 'sharing',
        audience: resource,
        accessTokenTTL: config.access_token_ttl,
        accessTokenFormat: 'jwt',
      }),
    },
  },
});
provider.proxy = false;

provider.use(async (ctx, next) => {
  if (ctx.path === '/test/counts') {
    ctx.body = counts;
    return;
  }
  if (ctx.path === '/jwks') counts.jwks += 1;
  if (ctx.path === '/token') counts.token += 1;
  if (ctx.path === '/.well-known/openid-configuration') counts.discovery += 1;
  await next();
});

const server = provider.listen(config.port, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ ready: true, issuer: config.issuer })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
