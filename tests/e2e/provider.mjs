// SPDX-License-Identifier: MIT
// A real OAuth2/OIDC provider (oidc-provider, pinned in package-lock.json) on
// loopback for pizauth's end-to-end tests, plus a small admin API for them.
//
// Usage: node provider.mjs [--port N] [--access-ttl SECS]
//   --port N          listen on 127.0.0.1:N (default 0: the kernel picks)
//   --access-ttl S    access token lifetime in seconds (default 20)
//
// Once listening it prints exactly one line on stdout and nothing else there:
//   {"issuer": "http://127.0.0.1:PORT", "port": PORT}
// Everything else (one line per request, provider events) goes to stderr,
// which the tests keep as the provider log.
//
// The one client, as pizauth is configured against it:
//   client_id "pizauth-e2e", client_secret "e2e-secret", client_secret_post;
//   application_type "native" with redirect_uris ["http://localhost/"]:
//   oidc-provider then accepts http://localhost:ANYPORT/ (RFC 8252 7.3,
//   loopback redirects match regardless of port), which is exactly what
//   pizauth sends (the config's redirect_uri with its listener's port put in).
//
// Admin API (outside oidc-provider's routes, loopback only like the rest):
//   POST /admin/forget?client_id=ID   the user revokes the client's access:
//        every grant of the client is destroyed with every token issued
//        under it, and the client is dropped from every login session (the
//        user stays logged in, as at a real provider). Answers JSON counts.
//   GET  /admin/stats                 JSON: token endpoint calls by
//        grant_type, successes and errors (with error codes), revocations.

import http from 'node:http';
import { parseArgs } from 'node:util';

import Provider from 'oidc-provider';

const CLIENT_ID = 'pizauth-e2e';
const CLIENT_SECRET = 'e2e-secret';
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

const { values: args } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    'access-ttl': { type: 'string', default: '20' },
  },
});
const accessTtl = Number.parseInt(args['access-ttl'], 10);
const port = Number.parseInt(args.port, 10);
if (!(accessTtl > 0) || !(port >= 0 && port < 65536)) {
  process.stderr.write('provider: bad --port or --access-ttl\n');
  process.exit(2);
}

function log(msg) {
  process.stderr.write(`${new Date().toISOString()} ${msg}\n`);
}

// A Map-backed adapter (oidc-provider's adapter interface) instead of the
// built-in LRU one, so that /admin/forget can enumerate grants and sessions.
const store = new Map(); // "Model:id" -> { payload, expiresAt (ms) | undefined }

class MapAdapter {
  constructor(model) {
    this.model = model;
  }

  key(id) {
    return `${this.model}:${id}`;
  }

  static live(key) {
    const e = store.get(key);
    if (!e) return undefined;
    if (e.expiresAt !== undefined && e.expiresAt <= Date.now()) {
      store.delete(key);
      return undefined;
    }
    return e;
  }

  async upsert(id, payload, expiresIn) {
    store.set(this.key(id), {
      payload: structuredClone(payload),
      expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : undefined,
    });
  }

  async find(id) {
    const e = MapAdapter.live(this.key(id));
    return e ? structuredClone(e.payload) : undefined;
  }

  findBy(field, value) {
    const prefix = `${this.model}:`;
    for (const key of [...store.keys()]) {
      if (!key.startsWith(prefix)) continue;
      const e = MapAdapter.live(key);
      if (e && e.payload[field] === value) return structuredClone(e.payload);
    }
    return undefined;
  }

  async findByUserCode(userCode) {
    return this.findBy('userCode', userCode);
  }

  async findByUid(uid) {
    return this.findBy('uid', uid);
  }

  async consume(id) {
    const e = MapAdapter.live(this.key(id));
    if (e) e.payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id) {
    store.delete(this.key(id));
  }

  async revokeByGrantId(grantId) {
    return MapAdapter.revokeGrant(grantId);
  }

  // Deletes every token/code issued under grantId; returns how many.
  static revokeGrant(grantId) {
    let n = 0;
    for (const [key, e] of [...store.entries()]) {
      if (!key.startsWith('Grant:') && e.payload.grantId === grantId) {
        store.delete(key);
        n += 1;
      }
    }
    return n;
  }
}

function forgetClient(clientId) {
  const out = { grants: 0, tokens: 0, sessions: 0 };
  for (const [key, e] of [...store.entries()]) {
    if (key.startsWith('Grant:') && e.payload.clientId === clientId) {
      store.delete(key);
      out.grants += 1;
      out.tokens += MapAdapter.revokeGrant(key.slice('Grant:'.length));
    }
  }
  for (const [key, e] of store.entries()) {
    const auths = key.startsWith('Session:') && e.payload.authorizations;
    if (auths && auths[clientId]) {
      delete auths[clientId];
      out.sessions += 1;
    }
  }
  return out;
}

const stats = {
  token: {}, // grant_type -> { requests, success, errors: { code: n } }
  revocations: 0,
  introspections: 0,
};

function grantType(ctx) {
  return ctx.oidc?.params?.grant_type ?? ctx.oidc?.body?.grant_type ?? '?';
}

function tokenStat(ctx) {
  const gty = grantType(ctx);
  stats.token[gty] ??= { requests: 0, success: 0, errors: {} };
  return stats.token[gty];
}

const configuration = {
  adapter: MapAdapter,
  clients: [{
    client_id: CLIENT_ID,
    client_secret: CLIENT_SECRET,
    application_type: 'native',
    redirect_uris: ['http://localhost/'],
    response_types: ['code'],
    grant_types: ['authorization_code', 'refresh_token', DEVICE_GRANT],
    token_endpoint_auth_method: 'client_secret_post',
  }],
  // Refresh tokens for this client whatever the scope: oidc-provider drops
  // offline_access unless prompt=consent, which pizauth does not send.
  issueRefreshToken: async (ctx, client) => client.grantTypeAllowed('refresh_token'),
  // Tokens outlive the browser session, as with a real provider.
  expiresWithSession: async () => false,
  // Rotate on every use, as several real providers do: a client that reuses
  // a spent refresh token has its whole grant revoked (oidc-provider's reuse
  // detection), so a daemon that forgets the new one fails the tests.
  rotateRefreshToken: true,
  pkce: { methods: ['S256'], required: () => true },
  scopes: ['openid', 'offline_access'],
  findAccount: async (ctx, sub) => ({
    accountId: sub,
    claims: async () => ({ sub }),
  }),
  cookies: {
    keys: ['pizauth-e2e-cookie-key'],
    long: { httpOnly: true, sameSite: 'lax' },
    short: { httpOnly: true, sameSite: 'lax' },
  },
  features: {
    devInteractions: { enabled: true },
    deviceFlow: { enabled: true },
    revocation: { enabled: true },
    introspection: {
      enabled: true,
      // A client may introspect only the tokens issued to it.
      allowedPolicy: async (ctx, client, token) => token.clientId === client.clientId,
    },
  },
  ttl: {
    AccessToken: accessTtl,
    AuthorizationCode: 60,
    ClientCredentials: 60,
    DeviceCode: 600,
    BackchannelAuthenticationRequest: 600,
    Grant: 3600,
    IdToken: 3600,
    Interaction: 600,
    RefreshToken: 3600,
    Session: 3600,
  },
};

let handler; // provider.callback(), set once the port (so the issuer) is known

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://127.0.0.1');
  if (!url.pathname.startsWith('/admin/')) {
    handler(req, res);
    return;
  }
  let body = '';
  let status = 200;
  if (req.method === 'POST' && url.pathname === '/admin/forget') {
    const out = forgetClient(url.searchParams.get('client_id') ?? CLIENT_ID);
    log(`admin forget ${JSON.stringify(out)}`);
    body = JSON.stringify(out);
  } else if (req.method === 'GET' && url.pathname === '/admin/stats') {
    body = JSON.stringify(stats);
  } else {
    status = 404;
    body = JSON.stringify({ error: 'not_found' });
  }
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(body);
});

server.listen(port, '127.0.0.1', () => {
  const actual = server.address().port;
  const issuer = `http://127.0.0.1:${actual}`;
  const provider = new Provider(issuer, configuration);

  // One log line per request: method, path (no query: it holds state and
  // codes), status and time taken.
  provider.use(async (ctx, next) => {
    const t0 = Date.now();
    try {
      await next();
    } finally {
      const extra = ctx.path === '/token' ? ` grant_type=${grantType(ctx)}` : '';
      log(`${ctx.method} ${ctx.path}${extra} -> ${ctx.status} (${Date.now() - t0} ms)`);
    }
  });

  provider.on('grant.success', (ctx) => {
    const s = tokenStat(ctx);
    s.requests += 1;
    s.success += 1;
  });
  provider.on('grant.error', (ctx, err) => {
    const s = tokenStat(ctx);
    s.requests += 1;
    s.errors[err.error ?? 'server_error'] = (s.errors[err.error ?? 'server_error'] ?? 0) + 1;
    log(`token error: ${err.error}: ${err.error_description ?? err.message} (${err.error_detail ?? ''})`);
  });
  provider.on('grant.revoked', (ctx, grantId) => log(`grant revoked ${grantId}`));
  provider.on('revocation.success', () => { stats.revocations += 1; });
  provider.on('introspection.success', () => { stats.introspections += 1; });
  for (const ev of ['authorization.error', 'introspection.error', 'revocation.error',
    'userinfo.error', 'device_authorization.error', 'server_error']) {
    provider.on(ev, (ctx, err) => log(`${ev}: ${err.error ?? ''} ${err.error_description ?? err.message}`));
  }

  handler = provider.callback();
  process.stdout.write(`${JSON.stringify({ issuer, port: actual })}\n`);
  log(`listening, issuer ${issuer}, access token ttl ${accessTtl}s`);
});

for (const sig of ['SIGTERM', 'SIGINT']) {
  process.on(sig, () => {
    log(`${sig}, exiting`);
    server.close();
    process.exit(0);
  });
}
