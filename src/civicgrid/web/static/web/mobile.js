/* CivicGrid inspector app: service worker, outbox badge, tasks by distance, the 3-step report. */
(function () {
  "use strict";
  const body = document.body;
  const strings = JSON.parse((document.getElementById("m-strings") || { textContent: "{}" }).textContent);
  const RETRY_MS = 30000;
  if (window.cgQueue) { cgQueue.setUser(body.dataset.user); }

  function fmt(text, values) {
    return String(text || "").replace(/%\((\w+)\)s/g, function (_, name) { return values[name]; });
  }

  /* ---- Service worker and connection state ---- */
  if ("serviceWorker" in navigator && body.dataset.sw) {
    navigator.serviceWorker.register(body.dataset.sw, { scope: body.dataset.scope }).catch(function () {});
    navigator.serviceWorker.addEventListener("message", function () { refreshQueue(); });
  }
  function showNet() {
    const node = document.getElementById("m-net");
    if (!node) { return; }
    node.textContent = navigator.onLine ? node.dataset.online : node.dataset.offline;
    node.classList.toggle("is-offline", !navigator.onLine);
  }

  /* ---- Outbox ---- */
  function refreshQueue() {
    if (!window.cgQueue) { return Promise.resolve(); }
    return cgQueue.all().then(function (items) {
      const badge = document.getElementById("m-queue-badge");
      const count = document.getElementById("m-queue-count");
      if (count) { count.textContent = String(items.length); }
      if (badge) { badge.hidden = items.length === 0; }
      document.querySelectorAll("[data-queue-count]").forEach(function (n) { n.textContent = String(items.length); });
      const list = document.getElementById("queue-list");
      if (!list) { return; }
      list.innerHTML = "";
      items.forEach(function (item) {
        const li = document.createElement("li");
        li.className = "m-queue-item" + (item.status === "refused" ? " is-refused" : "");
        li.dataset.key = item.key;
        const text = document.createElement("span");
        const when = new Date(item.created);
        text.textContent = when.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) + " · " +
          (item.fields.description || "").slice(0, 40) + " · " +
          (item.status === "refused" ? strings.error + ": " + item.error : strings.waiting);
        li.appendChild(text);
        if (item.status === "refused") {
          const drop = document.createElement("button");
          drop.type = "button"; drop.className = "m-secondary"; drop.textContent = strings.discard;
          drop.addEventListener("click", function () { cgQueue.remove(item.key).then(refreshQueue); });
          li.appendChild(drop);
        }
        list.appendChild(li);
      });
    }).catch(function () {});
  }

  function say(text, kind) {
    const node = document.getElementById("report-result");
    if (!node) { return; }
    node.textContent = text;
    node.className = "m-result " + (kind || "");
  }

  function flush() {
    if (!window.cgQueue) { return Promise.resolve([]); }
    return cgQueue.flush().then(function (results) {
      results.forEach(function (r) {
        if (r.state === "sent") {
          say(fmt(r.created ? strings.sent : strings.duplicate, { code: r.data.case_code || "" }), "ok");
        } else if (r.state === "refused") {
          say(fmt(strings.failed, { message: r.item.error }), "bad");
        } else if (r.state === "auth") {
          say(strings.login, "bad");
        }
      });
      return refreshQueue().then(function () { return results; });
    }).catch(function () { return []; });
  }
  window.cgMobile = { flush: flush, refreshQueue: refreshQueue };

  /* ---- Photos are checked on the phone (type, size) before they are queued or sent ---- */
  const PHOTO_TYPES = ["image/jpeg", "image/png", "image/webp"];
  function photoProblem(input) {
    const limit = parseInt(input.dataset.maxBytes || "0", 10);
    const files = Array.from(input.files || []);
    for (let i = 0; i < files.length; i += 1) {
      const file = files[i];
      if (PHOTO_TYPES.indexOf(file.type) === -1) { return fmt(strings.photo_type, { name: file.name || "?" }); }
      if (limit && file.size > limit) {
        return fmt(strings.photo_size, { size: (file.size / 1048576).toFixed(1), limit: (limit / 1048576).toFixed(1) });
      }
    }
    return "";
  }
  window.cgPhotoProblem = photoProblem;
  // The check photo of a task: a refused file is cleared and the reason shown beside it.
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input[type=file][data-photo-check]").forEach(function (input) {
      const note = document.createElement("p");
      note.className = "m-error"; note.setAttribute("role", "alert"); note.hidden = true;
      input.insertAdjacentElement("afterend", note);
      input.addEventListener("change", function () {
        const problem = photoProblem(input);
        note.textContent = problem; note.hidden = !problem;
        if (problem) { input.value = ""; }
      });
    });
  });

  function askBackgroundSync() {
    if (!("serviceWorker" in navigator)) { return; }
    navigator.serviceWorker.ready.then(function (reg) {
      if (reg.sync && reg.sync.register) { return reg.sync.register("cg-reports"); }
    }).catch(function () {});
  }

  window.addEventListener("online", function () { showNet(); flush(); });
  window.addEventListener("offline", showNet);
  document.addEventListener("DOMContentLoaded", function () {
    showNet();
    refreshQueue().then(function () { if (navigator.onLine) { flush(); } });
    setInterval(function () { if (navigator.onLine) { flush(); } }, RETRY_MS);
  });

  /* ---- Tasks: nearest first when the phone tells us where we are ---- */
  function haversine(lat1, lon1, lat2, lon2) {
    const r = 6371008.8, rad = Math.PI / 180;
    const dLat = (lat2 - lat1) * rad, dLon = (lon2 - lon1) * rad;
    const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) ** 2;
    return 2 * r * Math.asin(Math.sqrt(a));
  }
  function sortTasks(position) {
    const lat = position.coords.latitude, lon = position.coords.longitude;  // WGS-84, like data-lon/lat
    document.querySelectorAll("[data-sortable]").forEach(function (list) {
      const items = Array.from(list.querySelectorAll("li[data-lat]"));
      items.forEach(function (li) {
        const d = haversine(lat, lon, parseFloat(li.dataset.lat), parseFloat(li.dataset.lon));
        li.dataset.distance = String(d);
        const label = li.querySelector("[data-distance]");
        if (label) { label.textContent = d >= 1000 ? fmt(strings.km, { d: (d / 1000).toFixed(1) }) : fmt(strings.m, { d: Math.round(d) }); }
      });
      items.sort(function (a, b) { return parseFloat(a.dataset.distance) - parseFloat(b.dataset.distance); })
        .forEach(function (li) { list.appendChild(li); });
    });
    const note = document.getElementById("m-sort-note");
    if (note) { note.textContent = note.dataset.gps; }
  }
  document.addEventListener("DOMContentLoaded", function () {
    if (document.querySelector("[data-sortable] li[data-lat]") && navigator.geolocation) {
      navigator.geolocation.getCurrentPosition(sortTasks, function () {}, { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 });
    }
  });

  /* ---- The small map of a task: the cell outline and the case point (already in the tiles' system).
     The view is set before any vector layer is added: the canvas renderer needs one. ---- */
  window.cgTaskMap = function (elementId, featureId) {
    const element = document.getElementById(elementId);
    const source = document.getElementById(featureId);
    if (!element || !source || typeof L === "undefined" || !window.cgMap) { return; }
    const point = [parseFloat(element.dataset.lat), parseFloat(element.dataset.lon)];
    const map = cgMap.baseMap(elementId);
    map.setView(point, 17);
    const outline = cgMap.gridLayer(JSON.parse(source.textContent)).addTo(map);
    L.circleMarker(point, { radius: 9, weight: 3, color: "#fff", fillColor: "#0b5cad", fillOpacity: 1 }).addTo(map);
    map.fitBounds(outline.getBounds().pad(0.6));
  };
  // The task page names its map and cell data in attributes (no inline scripts: CSP).
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-task-map]").forEach(function (element) {
      window.cgTaskMap(element.id, element.dataset.taskMap);
    });
  });

  /* ---- WGS-84 → the tiles' system (GCJ-02 / BD-09), as core/coords.py does ---- */
  const A = 6378245.0, EE = 0.00669342162296594323, PI = Math.PI, X_PI = PI * 3000.0 / 180.0;
  function outOfChina(lon, lat) { return lon < 72.004 || lon > 137.8347 || lat < 0.8293 || lat > 55.8271; }
  function tLat(x, y) {
    let r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
    r += (20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0 / 3.0;
    r += (20.0 * Math.sin(y * PI) + 40.0 * Math.sin(y / 3.0 * PI)) * 2.0 / 3.0;
    r += (160.0 * Math.sin(y / 12.0 * PI) + 320 * Math.sin(y * PI / 30.0)) * 2.0 / 3.0;
    return r;
  }
  function tLon(x, y) {
    let r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
    r += (20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0 / 3.0;
    r += (20.0 * Math.sin(x * PI) + 40.0 * Math.sin(x / 3.0 * PI)) * 2.0 / 3.0;
    r += (150.0 * Math.sin(x / 12.0 * PI) + 300.0 * Math.sin(x / 30.0 * PI)) * 2.0 / 3.0;
    return r;
  }
  function wgsToGcj(lon, lat) {
    if (outOfChina(lon, lat)) { return [lon, lat]; }
    let dLat = tLat(lon - 105.0, lat - 35.0), dLon = tLon(lon - 105.0, lat - 35.0);
    const radLat = lat / 180.0 * PI;
    let magic = Math.sin(radLat); magic = 1 - EE * magic * magic;
    const sq = Math.sqrt(magic);
    dLat = (dLat * 180.0) / ((A * (1 - EE)) / (magic * sq) * PI);
    dLon = (dLon * 180.0) / (A / sq * Math.cos(radLat) * PI);
    return [lon + dLon, lat + dLat];
  }
  function gcjToBd(lon, lat) {
    const z = Math.sqrt(lon * lon + lat * lat) + 0.00002 * Math.sin(lat * X_PI);
    const t = Math.atan2(lat, lon) + 0.000003 * Math.cos(lon * X_PI);
    return [z * Math.cos(t) + 0.0065, z * Math.sin(t) + 0.006];
  }
  function fromWgs84(lon, lat, crs) {
    if (crs === "gcj02") { return wgsToGcj(lon, lat); }
    if (crs === "bd09") { const g = wgsToGcj(lon, lat); return gcjToBd(g[0], g[1]); }
    return [lon, lat];
  }
  window.cgCoords = { fromWgs84: fromWgs84 };

  /* ---- New report in three steps ---- */
  function reportWizard(form) {
    const crs = form.dataset.crs || "wgs84";
    const coarseMetres = parseFloat(form.dataset.coarseMetres || "100");
    const photoInput = document.getElementById("report-photo");
    const preview = document.getElementById("report-preview");
    const error = document.getElementById("report-error");
    const lonInput = document.getElementById("report-lon"), latInput = document.getElementById("report-lat");
    const gpsStatus = document.getElementById("gps-status");
    const confirmButton = document.getElementById("place-confirm");
    const sourceInput = document.getElementById("report-position-source");
    const toProblem = form.querySelector("[data-step='2'] [data-next='3']");
    const categoryInput = document.getElementById("report-category");
    const all = document.getElementById("category-all");
    const search = document.getElementById("category-search");
    let map = null, marker = null, located = false, gridRequest = 0;

    function fail(text) { error.textContent = text; error.hidden = !text; }
    function setPoint(lon, lat) {
      lonInput.value = lon.toFixed(6); latInput.value = lat.toFixed(6);
      if (marker) { marker.setLatLng([lat, lon]); }
    }
    /* Where the pin's position comes from: "gps" (a fine fix), "manual" (the inspector moved or
       confirmed it), or "" while neither: then the step waits, it never sends a default point. */
    function setSource(source, message) {
      sourceInput.value = source;
      confirmButton.hidden = !!source;
      toProblem.disabled = !source;
      if (message) { gpsStatus.textContent = message; }
    }
    function askToConfirm(reason) {
      setSource("", (reason ? reason + " " : "") + strings.confirm_place);
    }
    function placedByHand() { located = true; setSource("manual", strings.place_confirmed); }
    function locate(asked) {
      if (!navigator.geolocation) { askToConfirm(strings.no_fix); return; }
      navigator.geolocation.getCurrentPosition(function (pos) {
        // A late fix never moves a pin the inspector has placed, unless they asked for it.
        if (!asked && sourceInput.value === "manual") { return; }
        const p = fromWgs84(pos.coords.longitude, pos.coords.latitude, crs);
        const accuracy = Math.round(pos.coords.accuracy || 0);
        located = true;
        setPoint(p[0], p[1]);
        if (map) { map.setView([p[1], p[0]], 18); }
        if (accuracy > coarseMetres) { askToConfirm(fmt(strings.coarse_gps, { m: accuracy })); }
        else { setSource("gps", fmt(strings.gps_ok, { m: accuracy })); }
      }, function () { if (asked || !sourceInput.value) { askToConfirm(strings.no_fix); } },
      // Asked again by the inspector: a fresh fix, not the one from half a minute ago.
      { enableHighAccuracy: true, timeout: 15000, maximumAge: asked ? 0 : 30000 });
    }
    /* The district outline (in the page, so it is there offline) and the unit grid of the view
       (asked for as the map moves) are drawn whether the tiles load or not, under the marker. */
    function drawOutlines() {
      const source = document.getElementById("report-outlines");
      if (!source) { return; }
      const data = JSON.parse(source.textContent);
      L.geoJSON(data, { interactive: false, style: { color: "#0b3d6b", weight: 3, fill: false, dashArray: "8 4" } }).addTo(map);
      map.getContainer().dataset.outlines = String(data.features.length);
    }
    function loadGrid(layer) {
      if (!form.dataset.gridUrl || map.getZoom() < 14) { return; }
      const b = map.getBounds(), pad = 0.01;  // covers the shift between the tiles' system and WGS-84
      const bbox = [b.getWest() - pad, b.getSouth() - pad, b.getEast() + pad, b.getNorth() + pad].map(function (v) { return v.toFixed(5); });
      const ticket = ++gridRequest;
      fetch(form.dataset.gridUrl + "?bbox=" + bbox.join(","), { credentials: "same-origin" })
        .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.json(); })
        .then(function (data) {
          if (ticket !== gridRequest) { return; }
          layer.clearLayers();
          layer.addLayer(cgMap.gridLayer(data));
          map.getContainer().dataset.gridCells = String(data.features.length);
        }).catch(function () {});  // offline: the outline still shows
    }
    function ensureMap() {
      if (map || typeof L === "undefined" || !window.cgMap) { return; }
      const lon = parseFloat(lonInput.value || form.dataset.startLon), lat = parseFloat(latInput.value || form.dataset.startLat);
      map = cgMap.baseMap("report-map", { zoomControl: true });
      map.setView([lat, lon], located ? 18 : 16);
      drawOutlines();
      const grid = L.layerGroup().addTo(map);
      map.on("moveend", function () { loadGrid(grid); });
      loadGrid(grid);
      marker = L.marker([lat, lon], { draggable: true, autoPan: true, keyboard: true }).addTo(map);
      marker.on("dragend", function () { const ll = marker.getLatLng(); setPoint(ll.lng, ll.lat); placedByHand(); });
      map.on("click", function (e) { setPoint(e.latlng.lng, e.latlng.lat); placedByHand(); });
      if (!lonInput.value) { setPoint(lon, lat); }
    }
    function show(step) {
      form.querySelectorAll("[data-step]").forEach(function (fs) { fs.hidden = fs.dataset.step !== String(step); });
      document.querySelectorAll("[data-step-mark]").forEach(function (li) {
        if (li.dataset.stepMark === String(step)) { li.setAttribute("aria-current", "step"); } else { li.removeAttribute("aria-current"); }
      });
      if (String(step) === "2") {
        ensureMap();
        if (map && !lonInput.value) { const ll = marker.getLatLng(); setPoint(ll.lng, ll.lat); }
        if (map) { setTimeout(function () { map.invalidateSize(); }, 50); }
      }
      window.scrollTo(0, 0);
    }
    function validate(upTo) {
      if (upTo >= 2 && !(photoInput.files && photoInput.files.length)) { show(1); return strings.need_photo; }
      if (upTo >= 2 && photoProblem(photoInput)) { show(1); return photoProblem(photoInput); }
      if (upTo >= 3 && !(lonInput.value && latInput.value)) { show(2); return strings.need_place; }
      if (upTo >= 3 && !sourceInput.value) { show(2); return strings.need_confirm; }
      if (upTo >= 4 && !document.getElementById("report-description").value.trim()) { return strings.need_text; }
      return "";
    }

    photoInput.addEventListener("change", function () {
      const file = photoInput.files && photoInput.files[0];
      if (!file) { preview.hidden = true; return; }
      const problem = photoProblem(photoInput);
      if (problem) { photoInput.value = ""; preview.hidden = true; fail(problem); return; }
      preview.src = URL.createObjectURL(file); preview.hidden = false; fail("");
    });
    form.querySelectorAll("[data-next]").forEach(function (button) {
      button.addEventListener("click", function () {
        const step = parseInt(button.dataset.next, 10);
        const problem = validate(step);
        fail(problem);
        if (!problem) { show(step); }
      });
    });
    document.getElementById("gps-again").addEventListener("click", function () { locate(true); });
    confirmButton.addEventListener("click", function () {
      if (!lonInput.value && marker) { const ll = marker.getLatLng(); setPoint(ll.lng, ll.lat); }
      placedByHand();
    });
    form.querySelectorAll("input[name=common_category]").forEach(function (radio) {
      radio.addEventListener("change", function () { categoryInput.value = radio.value; all.value = radio.value; });
    });
    all.addEventListener("change", function () {
      categoryInput.value = all.value;
      form.querySelectorAll("input[name=common_category]").forEach(function (r) { r.checked = r.value === all.value; });
    });
    search.addEventListener("input", function () {
      const q = search.value.trim().toLowerCase();
      Array.from(all.options).forEach(function (o) { o.hidden = !!q && !!o.value && o.dataset.text.toLowerCase().indexOf(q) === -1; });
    });

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      const problem = validate(4);
      fail(problem);
      if (problem) { return; }
      const button = document.getElementById("report-send");
      button.disabled = true;
      const file = photoInput.files[0];
      const fields = {
        channel: "inspector", crs: crs,
        lon: lonInput.value, lat: latInput.value,
        position_source: sourceInput.value,
        category: categoryInput.value,
        description: document.getElementById("report-description").value.trim(),
        address: document.getElementById("report-address").value.trim(),
        reported_at: new Date().toISOString(),
        idempotency_key: cgQueue.newKey(),
      };
      cgQueue.enqueue(body.dataset.api, fields, [file], [file.name || "photo.jpg"]).then(function () {
        say(strings.queued, "wait");
        form.reset(); categoryInput.value = ""; preview.hidden = true; lonInput.value = ""; latInput.value = "";
        located = false; askToConfirm(""); locate();  // the next report is placed afresh
        show(1);
        askBackgroundSync();
        return refreshQueue().then(function () { if (navigator.onLine) { return flush(); } });
      }).catch(function (err) { fail(String(err)); }).finally(function () { button.disabled = false; });
    });
    setSource("");
    locate();
  }
  document.addEventListener("DOMContentLoaded", function () {
    const form = document.getElementById("report-form");
    if (form) { reportWizard(form); }
  });
})();
