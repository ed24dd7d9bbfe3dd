'use strict';

// Test-only preload: `node --require ./bitbucket-redirect.js index.js ...`.
//
// When CATALINT_TEST_BITBUCKET is set (e.g. http://127.0.0.1:41234, the base
// URL of tests/fakes/bitbucket.py), every request the backend makes to
// https://api.bitbucket.org or https://bitbucket.org is sent to that server
// instead, with the path and query left byte-for-byte as Backstage built
// them. Without the variable this file changes nothing.
//
// Backstage's Bitbucket Cloud code uses two HTTP stacks, so both are covered:
//  - BitbucketCloudUrlReader.readUrl calls the global `fetch` (undici);
//  - @backstage/integration (OAuth token, default branch) uses cross-fetch,
//    i.e. node-fetch 2, which calls `https.request` at request time.

const http = require('node:http');
const https = require('node:https');

const target = process.env.CATALINT_TEST_BITBUCKET;

if (target) {
  const fake = new URL(target);
  if (fake.protocol !== 'http:' || fake.pathname.replace(/\/+$/, '') !== '') {
    throw new Error(
      `CATALINT_TEST_BITBUCKET must be a bare http:// origin, got ${target}`,
    );
  }
  const base = fake.origin;
  const hosts = new Set(['api.bitbucket.org', 'bitbucket.org']);
  const prefixes = [...hosts].map(host => `https://${host}`);

  // The URL string with its origin swapped, or null when it is not Bitbucket.
  // Plain string surgery: no URL parsing that could re-encode the path.
  const reroute = url => {
    for (const prefix of prefixes) {
      const next = url.charAt(prefix.length);
      if (url.startsWith(prefix) && (next === '' || '/?#'.includes(next))) {
        return base + url.slice(prefix.length);
      }
    }
    return null;
  };

  const originalFetch = globalThis.fetch;
  globalThis.fetch = function bitbucketRedirectFetch(input, init) {
    if (typeof input === 'string' || input instanceof URL) {
      const moved = reroute(String(input));
      if (moved !== null) {
        return originalFetch.call(this, moved, init);
      }
    } else if (input && typeof input.url === 'string') {
      const moved = reroute(input.url);
      if (moved !== null) {
        return originalFetch.call(this, new Request(moved, input), init);
      }
    }
    return originalFetch.call(this, input, init);
  };

  // https.request(options[, cb]) or https.request(url[, options][, cb]).
  const normalise = args => {
    let url = null;
    let options = {};
    let rest = args;
    if (typeof rest[0] === 'string' || rest[0] instanceof URL) {
      url = new URL(String(rest[0]));
      rest = rest.slice(1);
    }
    if (rest[0] && typeof rest[0] === 'object') {
      options = rest[0];
      rest = rest.slice(1);
    }
    const merged = url
      ? {
          protocol: url.protocol,
          hostname: url.hostname,
          port: url.port,
          path: url.pathname + url.search,
          ...options,
        }
      : { ...options };
    return { merged, callback: rest[0] };
  };

  const redirected = args => {
    const { merged, callback } = normalise(args);
    const host = (merged.hostname || merged.host || '').replace(/:\d+$/, '');
    if (!hosts.has(host.toLowerCase())) {
      return null;
    }
    const options = {
      ...merged,
      protocol: 'http:',
      hostname: fake.hostname,
      host: fake.hostname,
      port: fake.port,
      agent: undefined,
      servername: undefined,
    };
    return callback ? [options, callback] : [options];
  };

  const originalRequest = https.request;
  https.request = function bitbucketRedirectRequest(...args) {
    const moved = redirected(args);
    return moved ? http.request(...moved) : originalRequest.apply(this, args);
  };
  const originalGet = https.get;
  https.get = function bitbucketRedirectGet(...args) {
    const moved = redirected(args);
    return moved ? http.get(...moved) : originalGet.apply(this, args);
  };

  process.stderr.write(
    `bitbucket-redirect: https://{${[...hosts].join(',')}} -> ${base}\n`,
  );
}
