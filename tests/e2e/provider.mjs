// SPDX-License-Identifier: MIT
// A real OAuth2/OIDC provider (oidc-provider, pinned in package-lock.json) on
// loopback for pizauth's end-to-end tests, plus a small admin API for them.
//
// Usage: node provider.mjs [--port N] [--access-ttl SECS] [--device-interval SECS]
//   --port N          listen on 127.0.0.1:N (default 0: the kernel picks)
//   --access-ttl S    access token lifetime in seconds (default 20)
//   --device-interval S  the `interval` that device authorization responses
//                     carry (default 2; oidc-provider 8.8.1 sends none, and
//                     RFC 8628 then means 5 s)
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
//        grant_type, successes and errors (with error codes); device
//        authorizations and device-code polls (times in ms, status, error);
//        revocation requests, to /token/revocation or /admin/refuse (path,
//        status, token_type_hint, token_kind: what the token was in the
//        store, client_authenticated: client_id and client_secret in the
//        form were the client's); introspections.
//   GET  /admin/tokens?client_id=ID   JSON: live entries of the store that
//        belong to the client, by model: {"Grant": n, "RefreshToken": n, ...}.
//   POST /admin/refuse?status=N&error=CODE&error_description=TEXT
//        a revocation endpoint that refuses: records the request like
//        /token/revocation does and answers status N (default 400) with
//        {"error": CODE, "error_description": TEXT}, or with a plain-text
//        body when error is absent.

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
    'device-interval': { type: 'string', default: '2' },
  },
});
const accessTtl = Number.parseInt(args['access-ttl'], 10);
const deviceInterval = Number.parseInt(args['device-interval'], 10);
const port = Number.parseInt(args.port, 10);
if (!(accessTtl > 0) || !(deviceInterval > 0) || !(port >= 0 && port < 65536)) {
  process.stderr.write('provider: bad --port, --access-ttl or --device-interval\n');
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

// Live entries of the store that belong to clientId, counted by model.
function clientEntries(clientId) {
  const out = {};
  for (const key of [...store.keys()]) {
    const e = MapAdapter.live(key);
    if (e && e.payload.clientId === clientId) {
      const model = key.slice(0, key.indexOf(':'));
      out[model] = (out[model] ?? 0) + 1;
    }
  }
  return out;
}

// What an opaque token value is in the store (oidc-provider's opaque token
// value is its id), or null.
function tokenKind(value) {
  if (typeof value !== 'string') return null;
  return ['RefreshToken', 'AccessToken', 'ClientCredentials']
    .find((model) => MapAdapter.live(`${model}:${value}`)) ?? null;
}

// oidc-provider 8.8.1 emits no revocation.success or introspection.success:
// requests to those routes are counted here by the request middleware.
const stats = {
  token: {}, // grant_type -> { requests, success, errors: { code: n } }
  device_authorizations: [], // times (ms) of successful device authorizations
  device_polls: [], // { at (ms), status, error } per device-code token request
  revocations: [], // { path, status, token_type_hint, token_kind, client_authenticated }
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

// The admin route that plays a revocation endpoint refusing to revoke.
function refuse(req, res, url) {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const form = new URLSearchParams(Buffer.concat(chunks).toString());
    const status = Number.parseInt(url.searchParams.get('status') ?? '400', 10);
    const error = url.searchParams.get('error');
    stats.revocations.push({
      path: url.pathname,
      status,
      token_type_hint: form.get('token_type_hint'),
      token_kind: tokenKind(form.get('token')),
      client_authenticated: form.get('client_id') === CLIENT_ID
        && form.get('client_secret') === CLIENT_SECRET,
    });
    log(`admin refuse -> ${status} ${error ?? '(plain text)'}`);
    if (error) {
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify({
        error, error_description: url.searchParams.get('error_description') ?? undefined,
      }));
    } else {
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end('revocation is down for maintenance\n');
    }
  });
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://127.0.0.1');
  if (!url.pathname.startsWith('/admin/')) {
    handler(req, res);
    return;
  }
  if (req.method === 'POST' && url.pathname === '/admin/refuse') {
    refuse(req, res, url);
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
  } else if (req.method === 'GET' && url.pathname === '/admin/tokens') {
    body = JSON.stringify(clientEntries(url.searchParams.get('client_id') ?? CLIENT_ID));
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

  // Runs after oidc-provider's routes (so their ctx.oidc and ctx.body are
  // there): the device `interval`, and what the stats count by route.
  provider.use(async (ctx, next) => {
    const at = Date.now();
    await next();
    const { oidc } = ctx;
    if (ctx.path === '/device/auth' && ctx.status === 200 && ctx.body?.device_code) {
      ctx.body.interval = deviceInterval;
      stats.device_authorizations.push(at);
    } else if (ctx.path === '/token' && grantType(ctx) === DEVICE_GRANT) {
      stats.device_polls.push({ at, status: ctx.status, error: ctx.body?.error ?? null });
    } else if (ctx.path === '/token/revocation') {
      stats.revocations.push({
        path: ctx.path,
        status: ctx.status,
        token_type_hint: oidc?.params?.token_type_hint ?? null,
        token_kind: ['RefreshToken', 'AccessToken', 'ClientCredentials']
          .find((model) => oidc?.entities?.[model]) ?? null,
        client_authenticated: oidc?.client?.clientId === CLIENT_ID,
      });
    } else if (ctx.path === '/token/introspection' && ctx.status === 200) {
      stats.introspections += 1;
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
  for (const ev of ['authorization.error', 'introspection.error', 'revocation.error',
    'userinfo.error', 'device_authorization.error', 'server_error']) {
    provider.on(ev, (ctx, err) => log(`${ev}: ${err.error ?? ''} ${err.error_description ?? err.message}`));
  }

  handler = provider.callback();
  process.stdout.write(`${JSON.stringify({ issuer, port: actual })}\n`);
  log(`listening, issuer ${issuer}, access token ttl ${accessTtl}s, `
    + `device interval ${deviceInterval}s`);
});

for (const sig of ['SIGTERM', 'SIGINT']) {
  process.on(sig, () => {
    log(`${sig}, exiting`);
    server.close();
    process.exit(0);
  });
}
