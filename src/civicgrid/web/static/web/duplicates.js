/* The small map beside a proposed duplicate: this report and the suspected original.
   Points come in data- attributes (CSP: no inline scripts), already in the tiles' system.
   Drawn on page load and again whenever HTMX swaps in a case panel. */
(function () {
  "use strict";

  function draw(element) {
    if (element.dataset.drawn || typeof L === "undefined" || !window.cgMap) { return; }
    element.dataset.drawn = "1";
    const here = [parseFloat(element.dataset.lat), parseFloat(element.dataset.lon)];
    const there = [parseFloat(element.dataset.originalLat), parseFloat(element.dataset.originalLon)];
    const map = window.cgMap.baseMap(element.id, { scrollWheelZoom: false });
    map.setView(here, 18);  // the canvas renderer needs a view before layers are added
    L.polyline([here, there], { color: "#6b4700", weight: 2, dashArray: "4 4" }).addTo(map);
    L.circleMarker(there, { radius: 8, color: "#fff", weight: 2, fillColor: "#0b5cad", fillOpacity: 0.95 })
      .bindTooltip(window.cgMap.escapeHtml(element.dataset.originalLabel)).addTo(map);
    L.circleMarker(here, { radius: 8, color: "#fff", weight: 2, fillColor: "#c62828", fillOpacity: 0.95 })
      .bindTooltip(window.cgMap.escapeHtml(element.dataset.label)).addTo(map);
    map.fitBounds(L.latLngBounds([here, there]).pad(0.6), { maxZoom: 19 });
  }

  function drawAll(root) {
    (root || document).querySelectorAll("[data-dup-map]").forEach(draw);
  }

  document.addEventListener("DOMContentLoaded", function () {
    drawAll(document);
    document.body.addEventListener("htmx:afterSettle", function (event) { drawAll(event.target); });
  });
})();
