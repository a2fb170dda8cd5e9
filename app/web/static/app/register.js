// Registration: the home location from the phone's position ("Use my location") or a
// tap on a small map. Leaflet (about 150 KB) is loaded only when the map is asked for,
// so the page stays light on a slow connection. Without script the two fields work.
"use strict";

(function () {
  const home = document.getElementById("home");
  if (!home) return;
  const lat = document.getElementById("lat");
  const lon = document.getElementById("lon");
  const status = document.getElementById("home-status");
  const texts = home.dataset;
  home.querySelector(".js-only").hidden = false;

  function set(latitude, longitude) {
    lat.value = latitude.toFixed(5);
    lon.value = longitude.toFixed(5);
  }

  const locate = document.getElementById("use-location");
  if (!("geolocation" in navigator)) locate.hidden = true;
  locate.addEventListener("click", () => {
    status.textContent = texts.locating;
    navigator.geolocation.getCurrentPosition(
      (position) => {
        set(position.coords.latitude, position.coords.longitude);
        status.textContent = texts.located;
      },
      () => { status.textContent = texts.notLocated; },
      { enableHighAccuracy: false, timeout: 15000, maximumAge: 600000 },
    );
  });

  function load(tag, attributes) {
    return new Promise((resolve, reject) => {
      const element = document.createElement(tag);
      Object.assign(element, attributes);
      element.onload = resolve;
      element.onerror = reject;
      document.head.appendChild(element);
    });
  }

  let map = null;
  document.getElementById("show-map").addEventListener("click", async () => {
    const box = document.getElementById("home-map");
    box.hidden = false;
    if (map) return;
    await Promise.all([
      load("link", { rel: "stylesheet", href: "/static/leaflet/leaflet.css" }),
      load("script", { src: "/static/leaflet/leaflet.js" }),
    ]);
    map = L.map(box, { attributionControl: Boolean(texts.tiles) });
    if (texts.tiles) L.tileLayer(texts.tiles, { maxZoom: 19 }).addTo(map);
    else box.classList.add("plain");
    const stations = JSON.parse(texts.stations || "[]");
    const markers = stations.map((s) =>
      L.circleMarker([s.lat, s.lon], { radius: 6, color: "#0b5fb3" }).bindTooltip(s.name).addTo(map));
    const typed = [parseFloat(lat.value), parseFloat(lon.value)];
    if (typed.every(Number.isFinite)) map.setView(typed, 14);
    else if (markers.length) map.fitBounds(L.featureGroup(markers).getBounds(), { padding: [16, 16] });
    else map.setView([22.54, 114.06], 11);
    let chosen = null;
    map.on("click", (event) => {
      const point = event.latlng.wrap();
      set(point.lat, point.lng);
      if (chosen) chosen.setLatLng(point);
      else chosen = L.marker(point, { keyboard: false }).addTo(map);
    });
  });
})();
