/* The leadership dashboards' script (one for every page; written to assets/ by dashboards).
 * It draws the charts whose echarts options the page carries as JSON in #ew-data, makes the
 * map's regions open the pages the table beside it links to (a[data-map]: a server that
 * removes a link a reader may not follow removes the drill-down with it), and, when the page
 * is served over HTTP, checks generation.json every minute and reloads the page once a newer
 * generation of the site is there. No inline script, no eval: the pages satisfy a strict
 * Content-Security-Policy. Opened from the disk (file://) it only draws. */
(function () {
  "use strict";
  var el = document.getElementById("ew-data");
  if (!el) { return; }
  var data = JSON.parse(el.textContent);
  var links = {};
  Array.prototype.forEach.call(document.querySelectorAll("a[data-map]"), function (a) {
    links[a.getAttribute("data-map")] = a.getAttribute("href");
  });
  var charts = [];
  if (typeof echarts !== "undefined") {
    Object.keys(data.charts || {}).forEach(function (id) {
      var box = document.getElementById(id);
      if (!box) { return; }
      var c = echarts.init(box, null, { renderer: "canvas" });
      c.setOption(data.charts[id]);
      charts.push(c);
      if (id === "c_map") {
        c.on("click", function (p) { var h = links[p.name]; if (h) { window.location.href = h; } });
      }
    });
  }
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });

  if (!data.generation || (location.protocol !== "http:" && location.protocol !== "https:") || !window.fetch) { return; }
  var every = data.check_every_ms || 60 * 1000;
  function check() {
    fetch("generation.json", { cache: "no-store", credentials: "same-origin", redirect: "manual" })
      .then(function (r) {
        if (r.status === 401 || r.status === 403 || r.type === "opaqueredirect") { location.reload(); return null; }
        return r.ok ? r.json() : null;
      })
      .then(function (g) {
        if (g && g.generation && g.generation !== data.generation) { location.reload(); return; }
        setTimeout(check, every);
      }, function () { setTimeout(check, every); });
  }
  setTimeout(check, every);
})();
