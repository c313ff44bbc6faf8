/* The phone's outbox of reports (IndexedDB, photo blobs included).
   Used by the pages and by the service worker. Every report carries a client-made
   idempotency key: resending after a lost answer returns the first case (HTTP 200)
   instead of making a second one, so a report is sent until the server has it.
   Items are keyed by the user who queued them (setUser): one user's waiting reports are never
   listed to, or sent with the session of, the next person who logs in on the same phone. */
(function (root) {
  "use strict";
  const DB_NAME = "civicgrid-inspector";
  const STORE = "outbox";
  let flushing = null;
  let currentUser = null;

  function setUser(user) { currentUser = user ? String(user) : null; }
  /* Items queued before items carried their user belong to whoever is logged in. */
  function isMine(item) { return !item.user || (currentUser !== null && item.user === currentUser); }

  function openDb() {
    return new Promise(function (resolve, reject) {
      const request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () { request.result.createObjectStore(STORE, { keyPath: "key" }); };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function run(mode, body) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        const tx = db.transaction(STORE, mode);
        const result = body(tx.objectStore(STORE));
        tx.oncomplete = function () { db.close(); resolve(result && "result" in result ? result.result : undefined); };
        tx.onerror = function () { db.close(); reject(tx.error); };
        tx.onabort = function () { db.close(); reject(tx.error); };
      });
    });
  }

  function all() {
    return run("readonly", function (store) { return store.getAll(); }).then(function (items) {
      return (items || []).filter(isMine).sort(function (a, b) { return a.created < b.created ? -1 : 1; });
    });
  }
  function put(item) { return run("readwrite", function (store) { store.put(item); }); }
  function remove(key) { return run("readwrite", function (store) { store.delete(key); }); }

  function newKey() {
    if (root.crypto && root.crypto.randomUUID) { return root.crypto.randomUUID(); }
    return "k-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2);
  }

  function csrfToken() {
    if (root.document && root.document.cookie) {
      const match = root.document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
      if (match) { return Promise.resolve(decodeURIComponent(match[1])); }
    }
    if (root.cookieStore && root.cookieStore.get) {
      return root.cookieStore.get("csrftoken").then(function (c) { return c ? c.value : ""; }, function () { return ""; });
    }
    return Promise.resolve("");
  }

  /* Send one item. Resolves to {state: "sent"|"offline"|"auth"|"retry"|"refused", ...}. */
  function send(item, token) {
    const body = new FormData();
    Object.keys(item.fields).forEach(function (name) {
      if (item.fields[name] !== "" && item.fields[name] !== null) { body.append(name, item.fields[name]); }
    });
    (item.photos || []).forEach(function (photo, i) { body.append("photos", photo, (item.names || [])[i] || "photo.jpg"); });
    return fetch(item.url, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-CSRFToken": token || item.csrf || "", "Accept": "application/json" },
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (response.status === 200 || response.status === 201) {
          return remove(item.key).then(function () { return { state: "sent", created: response.status === 201, data: data, item: item }; });
        }
        if (response.status === 401 || response.status === 403) { return { state: "auth", item: item }; }
        if (response.status >= 500 || response.status === 429 || response.status === 408) { return { state: "retry", item: item }; }
        item.status = "refused";
        item.error = (data && (data.message || data.detail)) || ("HTTP " + response.status);
        return put(item).then(function () { return { state: "refused", item: item }; });
      });
    }, function () { return { state: "offline", item: item }; });
  }

  /* Send every waiting item, oldest first; stop at the first network failure.
     Rejects when something is still waiting, so a background sync retries later. */
  function flush() {
    if (flushing) { return flushing; }
    flushing = csrfToken().then(function (token) {
      return all().then(function (items) {
        const results = [];
        let chain = Promise.resolve(false);
        items.filter(function (i) { return i.status !== "refused"; }).forEach(function (item) {
          chain = chain.then(function (stopped) {
            if (stopped) { return true; }
            return send(item, token).then(function (result) { results.push(result); return result.state === "offline"; });
          });
        });
        return chain.then(function () { return results; });
      });
    }).finally(function () { flushing = null; });
    return flushing;
  }

  function enqueue(url, fields, photos, names) {
    const key = fields.idempotency_key || newKey();
    fields.idempotency_key = key;
    return csrfToken().then(function (token) {
      const item = {
        key: key, url: url, fields: fields, photos: photos, names: names, user: currentUser,
        created: new Date().toISOString(), status: "waiting", error: "", csrf: token,
      };
      return put(item).then(function () { return item; });
    });
  }

  root.cgQueue = {
    all: all, put: put, remove: remove, flush: flush, enqueue: enqueue, newKey: newKey, setUser: setUser,
  };
})(typeof self !== "undefined" ? self : window);
