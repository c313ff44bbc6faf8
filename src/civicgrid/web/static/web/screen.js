/* CivicGrid command screen: ECharts panels, a clustered case map, drill-down and live updates.
   The server sends only a "something changed" signal (web/live.py); the page then refetches
   the stats and the map layer through the same restricted endpoints as on first load. */
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("screen-config").textContent);
  const T = config.text;
  const root = document.getElementById("screen");
  const scope = { district: config.scope.district, street: config.scope.street, grid_cell: config.scope.grid_cell };
  const COLOURS = (window.cgMap && cgMap.LEVEL_COLOURS) || { green: "#1a7f37", yellow: "#b58100", red: "#c62828", none: "#4a5560" };
  const PALETTE = ["#4fc3f7", "#ffb74d", "#81c784", "#f06292", "#ba68c8", "#fff176", "#4dd0e1", "#ff8a65", "#aed581", "#90a4ae", "#7986cb", "#e57373"];
  const TEXT = "#e8eef5";
  const AXIS = "#9fb3c8";
  const charts = {};
  let lastCursor = null;
  const THROTTLE_MS = 1500;

  /* ---------- helpers ---------- */
  function query(extra) {
    const params = new URLSearchParams();
    const values = Object.assign({}, scope, extra || {});
    ["district", "street", "grid_cell"].forEach(function (key) {
      if (values[key]) { params.set(key, values[key]); }
    });
    return params.toString();
  }
  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (r) {
      if (!r.ok) { throw new Error(r.status + " " + url); }
      return r.json();
    });
  }
  function chart(id) {
    if (!charts[id]) {
      const node = document.getElementById(id);
      if (!node || typeof echarts === "undefined") { return null; }
      charts[id] = echarts.init(node, null, { renderer: "canvas" });
    }
    return charts[id];
  }
  const base = {
    backgroundColor: "transparent",
    textStyle: { color: TEXT, fontSize: 14 },
    color: PALETTE,
    animationDuration: 300,
    // Honour the reader's "reduce motion" setting (tests set it too, so charts are drawn at once).
    animation: !(window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches),
    tooltip: { trigger: "item", backgroundColor: "#0b1a2a", borderColor: "#4fc3f7", textStyle: { color: TEXT } },
  };
  function axisStyle() {
    return { axisLabel: { color: AXIS, fontSize: 13 }, axisLine: { lineStyle: { color: "#40566e" } }, splitLine: { lineStyle: { color: "#1e3248" } } };
  }
  function empty(rows) {
    return !rows || rows.length === 0 ? { text: T.none, left: "center", top: "middle", textStyle: { color: AXIS, fontSize: 16, fontWeight: "normal" } } : { text: "" };
  }
  function hbar(id, rows, options) {
    const c = chart(id);
    if (!c) { return; }
    const data = rows.slice().reverse();
    c.setOption(Object.assign({}, base, {
      title: empty(rows),
      grid: { left: 8, right: 40, top: 8, bottom: 8, containLabel: true },
      tooltip: Object.assign({}, base.tooltip, { trigger: "axis", axisPointer: { type: "shadow" } }),
      xAxis: Object.assign({ type: "value", minInterval: 1 }, axisStyle()),
      yAxis: Object.assign({ type: "category", data: data.map(function (r) { return r.label; }) }, axisStyle(),
        { axisLabel: { color: TEXT, fontSize: 13, width: 110, overflow: "truncate", interval: 0 } }),
      series: (options && options.series) ? options.series(data) : [{
        type: "bar", data: data.map(function (r) { return r.count; }), barMaxWidth: 22,
        label: { show: true, position: "right", color: TEXT }, itemStyle: { color: (options && options.colour) || "#4fc3f7" },
      }],
    }), true);
  }

  /* ---------- panels ---------- */
  function renderKpis(kpis) {
    Object.keys(kpis).forEach(function (key) {
      const node = document.getElementById("kpi-" + key);
      if (node) { node.textContent = String(kpis[key]); }
    });
  }

  function renderChannel(rows) {
    const c = chart("chart-channel");
    if (!c) { return; }
    c.setOption(Object.assign({}, base, {
      title: empty(rows),
      legend: { type: "scroll", orient: "vertical", left: "60%", right: 0, top: "middle", textStyle: { color: TEXT, fontSize: 13, width: 120, overflow: "truncate" } },
      series: [{
        type: "pie", radius: ["38%", "78%"], center: ["30%", "50%"], avoidLabelOverlap: true,
        label: { position: "inside", color: "#06111d", fontWeight: 700, formatter: "{c}", fontSize: 14 },
        data: rows.map(function (r) { return { name: r.label, value: r.count }; }),
      }],
    }), true);
  }

  function renderOverdue(rows) {
    hbar("chart-overdue", rows, {
      series: function (data) {
        return [
          { name: T.open_late, type: "bar", stack: "late", barMaxWidth: 22, itemStyle: { color: COLOURS.red },
            data: data.map(function (r) { return r.open; }) },
          { name: T.closed_late, type: "bar", stack: "late", barMaxWidth: 22, itemStyle: { color: "#ff9e80" },
            label: { show: true, position: "right", color: TEXT, formatter: function (p) { return data[p.dataIndex].count; } },
            data: data.map(function (r) { return r.closed; }) },
        ];
      },
    });
    const c = chart("chart-overdue");
    if (c) { c.setOption({ legend: { top: 0, right: 0, textStyle: { color: TEXT } }, grid: { top: 28 } }); }
  }

  function renderTrend(trend) {
    const c = chart("chart-trend");
    if (!c) { return; }
    const line = function (name, values, colour) {
      return { name: name, type: "line", smooth: 0.2, symbol: "none", data: values, lineStyle: { width: 3, color: colour }, itemStyle: { color: colour } };
    };
    c.setOption(Object.assign({}, base, {
      tooltip: Object.assign({}, base.tooltip, { trigger: "axis" }),
      legend: { top: 0, textStyle: { color: TEXT } },
      grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
      xAxis: Object.assign({ type: "category", data: trend.days.map(function (d) { return d.slice(5); }) }, axisStyle()),
      yAxis: Object.assign({ type: "value", minInterval: 1 }, axisStyle()),
      series: [line(T.reports, trend.reports, "#4fc3f7"), line(T.cases, trend.cases, "#ffb74d"), line(T.closed, trend.closed, "#81c784")],
    }), true);
  }

  function renderAreas(areas) {
    const c = chart("chart-areas");
    const panel = document.querySelector(".scr-areas");
    if (!c) { return; }
    panel.hidden = !areas.level;
    if (!areas.level) { return; }
    const items = areas.items;
    c.setOption(Object.assign({}, base, {
      title: empty(items),
      tooltip: Object.assign({}, base.tooltip, { trigger: "axis", axisPointer: { type: "shadow" } }),
      legend: { top: 0, right: 0, textStyle: { color: TEXT } },
      grid: { left: 8, right: 8, top: 30, bottom: 4, containLabel: true },
      xAxis: Object.assign({ type: "category", data: items.map(function (r) { return r.label; }) }, axisStyle(),
        { axisLabel: { color: TEXT, fontSize: 13, interval: 0, rotate: items.length > 6 ? 30 : 0 } }),
      yAxis: Object.assign({ type: "value", minInterval: 1 }, axisStyle()),
      series: [
        { name: T.open, type: "bar", barMaxWidth: 36, data: items.map(function (r) { return r.open; }), itemStyle: { color: "#4fc3f7" },
          label: { show: true, position: "top", color: TEXT } },
        { name: T.today, type: "bar", barMaxWidth: 36, data: items.map(function (r) { return r.today; }), itemStyle: { color: "#ffb74d" } },
      ],
    }), true);
    c.off("click");
    c.on("click", function (params) {
      const item = items[params.dataIndex];
      if (!item) { return; }
      const next = {};
      next[areas.level] = item.key;
      drill(next);
    });
  }

  function renderCrumbs(crumbs) {
    const list = document.getElementById("scr-crumbs");
    list.replaceChildren();
    crumbs.forEach(function (crumb, index) {
      const li = document.createElement("li");
      if (index === crumbs.length - 1) {
        const span = document.createElement("span");
        span.setAttribute("aria-current", "location");
        span.textContent = crumb.label;
        li.appendChild(span);
      } else {
        const a = document.createElement("a");
        a.href = "?" + new URLSearchParams(crumb.query).toString();
        a.textContent = crumb.label;
        a.addEventListener("click", function (event) { event.preventDefault(); drill(crumb.query); });
        li.appendChild(a);
      }
      list.appendChild(li);
    });
  }

  function fillSelect(select, rows, allLabel, chosen, locked) {
    select.replaceChildren();
    if (!locked) { select.appendChild(new Option(allLabel, "")); }
    rows.forEach(function (row) { select.appendChild(new Option(row.name, row.id, false, String(row.id) === String(chosen || ""))); });
    select.value = chosen ? String(chosen) : (locked && rows[0] ? String(rows[0].id) : "");
  }
  function renderPickers(places, s) {
    const district = document.getElementById("scr-district");
    const street = document.getElementById("scr-street");
    fillSelect(district, places.districts, T.all_districts, s.district, places.districts.length === 1 && !!s.district && config.scopedUser);
    fillSelect(street, places.streets, T.all_streets, s.street, false);
    street.disabled = !s.district;
  }

  /* ---------- map ---------- */
  let map = null, clusters = null, grid = null, gridDistrict = undefined, gridData = null, firstFit = true;
  function worst(markers) {
    let level = "none";
    const rank = { none: 0, green: 1, yellow: 2, red: 3 };
    markers.forEach(function (m) { const l = m.options.level || "none"; if (rank[l] > rank[level]) { level = l; } });
    return level;
  }
  function setupMap() {
    if (typeof L === "undefined" || !document.getElementById("scr-map")) { return; }
    map = cgMap.baseMap("scr-map", { zoomSnap: 0.25, zoomDelta: 0.5 });
    map.setView([39.935, 119.6], 13);
    clusters = L.markerClusterGroup({
      showCoverageOnHover: false, maxClusterRadius: 45, chunkedLoading: true,
      iconCreateFunction: function (cluster) {
        const level = worst(cluster.getAllChildMarkers());
        const count = cluster.getChildCount();
        const size = count < 10 ? 34 : count < 100 ? 42 : 50;
        return L.divIcon({ html: "<span>" + count + "</span>", className: "scr-cluster lv-" + level, iconSize: [size, size] });
      },
    });
    clusters.addTo(map);
  }
  function drawGrid() {
    if (!map || !gridData) { return; }
    if (grid) { map.removeLayer(grid); }
    const features = gridData.features.filter(function (f) {
      if (scope.grid_cell) { return String(f.id) === String(scope.grid_cell); }
      if (scope.street) { return String(f.properties.street) === String(scope.street); }
      return true;
    });
    grid = cgMap.gridLayer({ type: "FeatureCollection", features: features });
    grid.setStyle({ color: "#4fc3f7", weight: 1, opacity: 0.55, fillOpacity: 0.04 });
    grid.addTo(map);
    grid.bringToBack();
    if (features.length) { map.fitBounds(grid.getBounds(), { padding: [12, 12] }); }
  }
  function loadGrid(force) {
    if (!map) { return Promise.resolve(); }
    const district = scope.district || "";
    if (!force && gridDistrict === district && gridData) { drawGrid(); return Promise.resolve(); }
    gridDistrict = district;
    return getJSON(config.urls.grid + (district ? "?district=" + encodeURIComponent(district) : ""))
      .then(function (data) { gridData = data; drawGrid(); })
      .catch(function () { /* the grid is a backdrop; the cases still show */ });
  }
  function loadCases() {
    if (!map) { return Promise.resolve(); }
    return getJSON(config.urls.cases + "?" + query()).then(function (data) {
      const markers = [];
      data.features.forEach(function (feature) {
        const c = feature.geometry.coordinates;
        const marker = cgMap.caseMarker(feature, L.latLng(c[1], c[0]));
        marker.options.level = feature.properties.level || "none";
        const p = feature.properties;
        marker.bindTooltip([p.code, p.category, p.state].map(cgMap.escapeHtml).join(" · "));
        marker.on("click", function () { window.location.href = p.url; });
        markers.push(marker);
      });
      clusters.clearLayers();
      clusters.addLayers(markers);
      root.dataset.mapCases = String(markers.length);
    });
  }

  /* ---------- refresh and drill-down ---------- */
  let refreshing = null, again = false;
  function refresh() {
    if (refreshing) { again = true; return refreshing; }
    const stats = getJSON(config.urls.stats + "?" + query()).then(function (data) {
      renderKpis(data.kpis);
      renderChannel(data.by_channel);
      hbar("chart-state", data.by_state, { colour: "#81c784" });
      hbar("chart-category", data.by_category, { colour: "#ffb74d" });
      renderOverdue(data.overdue_departments);
      renderTrend(data.trend);
      renderAreas(data.areas);
      renderCrumbs(data.breadcrumb);
      renderPickers(data.places, data.scope);
      scope.district = data.scope.district; scope.street = data.scope.street; scope.grid_cell = data.scope.grid_cell;
      lastCursor = data.cursor;
      document.getElementById("scr-updated").textContent = data.generated_at.slice(11, 19);
      root.dataset.cursor = String(data.cursor);
      root.setAttribute("aria-busy", "false");
    });
    refreshing = Promise.all([stats, loadCases()]).catch(function (error) { console.warn("screen refresh failed", error); })
      .finally(function () {
        refreshing = null;
        if (again) { again = false; refresh(); }
      });
    return refreshing;
  }

  function drill(next) {
    scope.district = next.district || null;
    scope.street = next.street || null;
    scope.grid_cell = next.grid_cell || null;
    const q = query();
    history.replaceState(null, "", q ? "?" + q : window.location.pathname);
    refresh().then(function () { loadGrid(false); });
  }

  document.getElementById("scr-district").addEventListener("change", function (event) {
    drill({ district: event.target.value || null });
  });
  document.getElementById("scr-street").addEventListener("change", function (event) {
    drill(event.target.value ? { street: event.target.value } : { district: scope.district });
  });

  /* ---------- live updates ---------- */
  function connect() {
    const status = document.getElementById("scr-live");
    if (typeof EventSource === "undefined") { setInterval(refresh, 15000); return; }
    const source = new EventSource(config.urls.events);
    let timer = null;
    source.addEventListener("hello", function (event) {
      status.dataset.state = "live"; status.textContent = T.live;
      if (lastCursor !== null && String(event.data) !== String(lastCursor)) { refresh(); }
    });
    /* The first change after a quiet spell refetches at once; a burst of changes costs at
       most one refetch every THROTTLE_MS (every open screen refetches on every change). */
    let lastRun = 0;
    source.addEventListener("change", function () {
      if (timer) { return; }
      const wait = Math.max(0, lastRun + THROTTLE_MS - Date.now());
      timer = setTimeout(function () { timer = null; lastRun = Date.now(); refresh(); }, wait);
    });
    source.onerror = function () { status.dataset.state = "offline"; status.textContent = T.offline; };
  }

  let resizeTimer = null;
  window.addEventListener("resize", function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(function () {
      Object.keys(charts).forEach(function (id) { charts[id].resize(); });
      if (map) { map.invalidateSize(); }
    }, 120);
  });

  config.scopedUser = root.dataset.scoped === "1";
  setupMap();
  refresh().then(function () { loadGrid(true); connect(); });
  /* Warning levels turn yellow and red with time, without any event: refetch now and then. */
  setInterval(refresh, 60000);
})();
