/* Before logging out, forget what this browser keeps of the user: the service worker's
   Cache Storage (pages with case details) and the phone app's IndexedDB outbox (reports
   with photos not sent yet), so the next person on a shared device finds nothing of theirs.
   Reports still waiting to be sent are counted first and the user asked, since clearing
   deletes them. The logout answer also carries Clear-Site-Data: "storage" as a backstop. */
(function () {
  "use strict";
  const OUTBOX_DB = "civicgrid-inspector";
  const GIVE_UP_MS = 3000;  // never keep anyone from logging out

  function clearCaches() {
    if (!("caches" in window)) { return Promise.resolve(); }
    return caches.keys().then(function (keys) {
      return Promise.all(keys.map(function (key) { return caches.delete(key); }));
    });
  }

  function deleteOutbox() {
    return new Promise(function (resolve) {
      if (!window.indexedDB) { resolve(); return; }
      const request = indexedDB.deleteDatabase(OUTBOX_DB);
      request.onsuccess = request.onerror = request.onblocked = function () { resolve(); };
    });
  }

  function waitingCount() {
    if (!window.cgQueue) { return Promise.resolve(0); }
    return cgQueue.all().then(function (items) {
      return items.filter(function (item) { return item.status !== "refused"; }).length;
    }, function () { return 0; });
  }

  function clearAll() {
    const cleared = Promise.all([clearCaches(), deleteOutbox()]).catch(function () {});
    const timeout = new Promise(function (resolve) { setTimeout(resolve, GIVE_UP_MS); });
    return Promise.race([cleared, timeout]);
  }

  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (!form.matches || !form.matches("form[data-cg-logout]") || form.dataset.cleared) { return; }
    event.preventDefault();
    waitingCount().then(function (count) {
      const question = (form.dataset.confirm || "").replace("{n}", String(count));
      if (count > 0 && !window.confirm(question)) { return; }
      return clearAll().then(function () {
        form.dataset.cleared = "1";
        form.submit();
      });
    });
  });

  window.cgLogout = { clearAll: clearAll };
})();
