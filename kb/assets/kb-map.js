/*
 * Draws the argument maps of a kb site.
 *
 * Each map is a <div class="kb-map"> holding an empty canvas holder and a
 * <script type="application/json"> block with vis-network nodes, edges and
 * options, positions included. Keeping the data out of executable script means
 * a title in the knowledge base can never become code, and one copy of this
 * file and of vis-network serves every page.
 *
 * Material's instant navigation swaps page content without reloading scripts,
 * so maps are drawn whenever Material announces a new document (document$),
 * and once on load for themes without it.
 */
(function () {
  "use strict";

  // Only links within the site are followed: map data is built from ids, but a
  // map is no place to trust a URL scheme.
  var SCHEME = /^[a-zA-Z][a-zA-Z0-9+.-]*:/;

  function follow(url) {
    if (typeof url !== "string" || SCHEME.test(url) || url.indexOf("//") === 0) return;
    // A real link click, so that Material's instant navigation handles it like any other.
    var link = document.createElement("a");
    link.href = url;
    link.hidden = true;
    document.body.appendChild(link);
    link.click();
    link.remove();
  }

  // The key to the map, from the legend in its data; every label is set as text.
  function legend(container, key) {
    if (!key || container.querySelector(".kb-map__legend")) return;
    var list = document.createElement("ul");
    list.className = "kb-map__legend";
    (key.kinds || []).forEach(function (kind) {
      var item = document.createElement("li");
      var swatch = document.createElement("span");
      swatch.className = "kb-swatch kb-swatch--" + String(kind.shape).replace(/[^a-z]/g, "");
      swatch.style.background = kind.color;
      item.appendChild(swatch);
      item.appendChild(document.createTextNode(kind.label));
      list.appendChild(item);
    });
    (key.relations || []).forEach(function (relation) {
      var item = document.createElement("li");
      var line = document.createElement("span");
      line.className = "kb-line" + (relation.dashes ? " kb-line--dashed" : "");
      line.style.borderTopColor = relation.color;
      item.appendChild(line);
      item.appendChild(document.createTextNode(relation.label));
      list.appendChild(item);
    });
    var holder = container.querySelector(".kb-map__canvas");
    holder.parentNode.insertBefore(list, holder.nextSibling);
  }

  function draw(container) {
    if (container.getAttribute("data-kb-ready")) return;
    var holder = container.querySelector(".kb-map__canvas");
    var block = container.querySelector("script.kb-map__data");
    if (!holder || !block) return;
    if (!window.vis || !window.vis.Network) {
      holder.textContent = "The map needs JavaScript and the site's copy of vis-network.";
      return;
    }
    container.setAttribute("data-kb-ready", "1");
    var data = JSON.parse(block.textContent);
    var nodes = new window.vis.DataSet(data.nodes);
    var edges = new window.vis.DataSet(data.edges);
    var network = new window.vis.Network(holder, { nodes: nodes, edges: edges }, data.options || {});
    legend(container, data.legend);
    container.kbNetwork = network;
    network.once("afterDrawing", function () {
      container.setAttribute("data-kb-drawn", String(nodes.length));
      // Milliseconds since the page started loading: how long a reader waited for the map.
      container.setAttribute("data-kb-drawn-ms", String(Math.round(performance.now())));
    });
    network.fit({ animation: false });
    network.on("click", function (event) {
      if (event.nodes && event.nodes.length) {
        var node = nodes.get(event.nodes[0]);
        if (node) follow((data.base || "") + String(data.page).replace("{id}", encodeURIComponent(node.id)));
      }
    });
    network.on("hoverNode", function () { holder.style.cursor = "pointer"; });
    network.on("blurNode", function () { holder.style.cursor = ""; });
  }

  function drawAll() {
    var maps = document.querySelectorAll(".kb-map");
    for (var i = 0; i < maps.length; i++) draw(maps[i]);
  }

  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(drawAll);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
