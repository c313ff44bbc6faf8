/* CivicGrid inspector app service worker: keeps the app shell so the app opens offline,
   and resends queued reports when the browser fires a background sync.
   Photos (/photos/, and the retired /media/) are never cached here: they are personal data,
   checked per user by the server, and a cached copy would outlive the logout. */
"use strict";
const CONFIG = {{ config|safe }};
const CACHE = "cg-mobile-" + CONFIG.version;
importScripts("{{ queue_js }}");
// The worker sends only the reports its user queued (the page registers one worker URL per user).
self.cgQueue.setUser(CONFIG.user);

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    const pages = CONFIG.pages.map(function (url) {
      return fetch(url, { credentials: "same-origin" }).then(function (response) {
        if (response.ok && !response.redirected) { return cache.put(url, response); }
      }).catch(function () {});
    });
    return Promise.all([cache.addAll(CONFIG.static)].concat(pages));
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k.indexOf("cg-mobile-") === 0 && k !== CACHE; })
      .map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

function isStatic(url) { return CONFIG.static.indexOf(url.pathname) !== -1 || url.pathname.indexOf("/static/") === 0; }
function isPrivateFile(url) { return CONFIG.private.some(function (p) { return url.pathname.indexOf(p) === 0; }); }

self.addEventListener("fetch", function (event) {
  const request = event.request;
  if (request.method !== "GET") { return; }
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || isPrivateFile(url)) { return; }
  if (isStatic(url)) {
    // Cache first: static files change name or shell version on release.
    event.respondWith(caches.open(CACHE).then(function (cache) {
      return cache.match(request).then(function (hit) {
        return hit || fetch(request).then(function (response) {
          if (response.ok) { cache.put(request, response.clone()); }
          return response;
        });
      });
    }));
    return;
  }
  if (request.mode === "navigate" && url.pathname.indexOf(CONFIG.scope) === 0) {
    // Network first: pages show live tasks; the last copy when there is no connection.
    event.respondWith(fetch(request).then(function (response) {
      if (response.ok && !response.redirected) {
        const copy = response.clone();
        caches.open(CACHE).then(function (cache) { cache.put(url.pathname, copy); });
      }
      return response;
    }).catch(function () {
      return caches.open(CACHE).then(function (cache) {
        return cache.match(url.pathname).then(function (hit) { return hit || cache.match(CONFIG.offline_page); });
      });
    }));
  }
});

function flushAndTell() {
  return self.cgQueue.flush().then(function (results) {
    return self.clients.matchAll().then(function (clients) {
      clients.forEach(function (client) { client.postMessage({ type: "queue" }); });
      // Rejecting asks the browser to fire the sync again later.
      if (results.some(function (r) { return r.state === "offline" || r.state === "retry"; })) {
        throw new Error("reports still waiting");
      }
    });
  });
}

self.addEventListener("sync", function (event) {
  if (event.tag === "cg-reports") { event.waitUntil(flushAndTell()); }
});
