/* Live pages: listen to the case-change stream and let HTMX regions refetch themselves.

   <body data-cg-events="URL"> opens one EventSource; every "change" event triggers
   "cg:changed" on the body, so regions with hx-trigger="cg:changed from:body" refetch
   their fragment through their own (role-restricted) views. A region the user is
   working in (focus in a field, or an action form open) is left alone until later.
   Nav badges ([data-cg-badge][data-count]) light up when their count grows, and chime
   once when the user turned the sound on (remembered in this browser). */
(function () {
  "use strict";
  const body = document.body;
  const url = body && body.dataset.cgEvents;
  const SOUND_KEY = "cg-sound";
  const seen = {};
  let pending = false;

  function busy(region) {
    const active = document.activeElement;
    if (active && active !== body && region.contains(active) && active.matches("input, textarea, select")) {
      return true;
    }
    return Boolean(region.querySelector("details[open] form"));
  }

  function soundOn() {
    try { return window.localStorage.getItem(SOUND_KEY) === "1"; } catch (e) { return false; }
  }

  function chime() {
    const Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return;
    try {
      const audio = new Context();
      const tone = audio.createOscillator();
      const gain = audio.createGain();
      tone.frequency.value = 880;
      gain.gain.setValueAtTime(0.08, audio.currentTime);
      gain.gain.exponentialRampToValueAtTime(0.0001, audio.currentTime + 0.4);
      tone.connect(gain).connect(audio.destination);
      tone.start();
      tone.stop(audio.currentTime + 0.4);
      tone.onended = function () { audio.close(); };
    } catch (e) { /* no sound is fine */ }
  }

  function syncSoundButtons() {
    document.querySelectorAll("[data-cg-sound]").forEach(function (button) {
      button.setAttribute("aria-pressed", soundOn() ? "true" : "false");
    });
  }

  function checkBadges() {
    let grew = false;
    document.querySelectorAll("[data-cg-badge]").forEach(function (badge) {
      const key = badge.dataset.cgBadge;
      const count = parseInt(badge.dataset.count || "0", 10);
      if (key in seen && count > seen[key]) {
        badge.classList.add("badge-new");
        grew = true;
      }
      seen[key] = count;
    });
    if (grew && soundOn()) chime();
    syncSoundButtons();
  }

  document.addEventListener("click", function (event) {
    const button = event.target.closest && event.target.closest("[data-cg-sound]");
    if (!button) return;
    try { window.localStorage.setItem(SOUND_KEY, soundOn() ? "0" : "1"); } catch (e) { /* private mode */ }
    syncSoundButtons();
  });

  document.addEventListener("htmx:beforeRequest", function (event) {
    const config = event.detail && event.detail.requestConfig;
    const trigger = config && config.triggeringEvent;
    if (trigger && trigger.type === "cg:changed" && busy(event.detail.elt)) {
      event.preventDefault();
      pending = true; // refetch at the next change, or when the user leaves the field
    }
  });
  document.addEventListener("htmx:afterSettle", checkBadges);
  document.addEventListener("focusout", function () {
    if (pending && window.htmx) {
      pending = false;
      window.setTimeout(function () { window.htmx.trigger(body, "cg:changed"); }, 0);
    }
  });

  if (!url || !window.EventSource) return;
  const source = new EventSource(url);
  source.addEventListener("change", function () {
    body.dataset.cgCursor = String(Date.now());
    if (window.htmx) window.htmx.trigger(body, "cg:changed");
  });
  source.addEventListener("hello", function () { body.dataset.cgLive = "1"; });
  window.addEventListener("pagehide", function () { source.close(); });
})();
