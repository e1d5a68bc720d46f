/*
 * Draws the argument maps of a kb site.
 *
 * Each map is a <div class="kb-map"> holding an empty canvas holder and a
 * <script type="application/json"> block with vis-network nodes, edges and
 * options, positions included. Keeping the data out of executable script means
 * a title in the knowledge base can never become code, and one copy of this
 * file and of vis-network serves every page.
 *
 * vis-network (about 700 KB with its styles) is fetched only when a page has a
 * map, after the page has rendered: a script and a stylesheet added from here
 * block nothing.
 *
 * A map must not trap the page: the wheel scrolls the page unless Ctrl/⌘ is
 * held or the map was clicked to take it over; on a touch screen one finger
 * scrolls the page and two pan and pinch. Buttons and keys fit and zoom it, and
 * a list under it gives the same nodes and edges as text, for screen readers
 * and keyboards; focusing or hovering a node there or on the map highlights its
 * neighbours and shows its kind, speaker, strength and verdict.
 *
 * A perspective switcher (a labelled select above the content of every page that shows strengths) rewrites
 * the page's numbers and verdicts, and recolours each map's node borders by verdict, from
 * assets/kb/perspectives.json, which kb writes at build time with the library's own strengths; the choice
 * is kept in localStorage, so it follows the reader from page to page.
 *
 * On the "Where do you stand?" page it also loads kb-semantics.js and kb-stand.js, which solve the map in
 * the browser for the reader's own credences.
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
  var ZOOM_STEP = 1.25;
  var MIN_SCALE = 0.02;
  var MAX_SCALE = 4;
  // Labels under this many pixels are not drawn (see kb/publishing/maps.py); a map opens where its main labels reach it.
  var MIN_LABEL_PX = 11;
  // Shapes vis-network draws around their label, and the radius (px at zoom 1) of the dot each becomes while
  // its label is too small to draw: an empty frame would look like a fault, a dot reads as "zoom in".
  var FRAMED = { box: true, ellipse: true, database: true, circle: true, text: true };
  var DOT_SIZE = 10;
  var DIM = 0.18;

  var here = document.currentScript && document.currentScript.src;
  var visLoading = null;
  var PERSPECTIVE_KEY = "kb-perspective";
  var VERDICT_COLOURS = { a: "#1a7f37", r: "#b42318", b: "#57606a" };
  var VERDICT_WORDS = { a: "accepted", r: "rejected", b: "balanced" };
  var perspectives = null;  // the parsed perspectives.json, once fetched
  var perspectivesLoading = null;

  function assetUrl(name) {
    return here ? new URL(name, here).href : name;
  }

  // vis-network's script and styles, once per visit, after the page is drawn; resolves when the script ran.
  function loadVis() {
    if (window.vis && window.vis.Network) return Promise.resolve();
    if (visLoading) return visLoading;
    var css = document.createElement("link");
    css.rel = "stylesheet";
    css.href = assetUrl("vis-network.min.css");
    document.head.appendChild(css);
    visLoading = new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = assetUrl("vis-network.min.js");
      script.async = true;
      script.onload = function () { resolve(); };
      script.onerror = function () { visLoading = null; reject(new Error("vis-network did not load")); };
      document.head.appendChild(script);
    });
    return visLoading;
  }

  function nodeUrl(data, id) {
    return (data.base || "") + String(data.page).replace("{id}", encodeURIComponent(id));
  }

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

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // The key to the map, from the legend in its data; every label is set as text.
  function legend(container, key) {
    if (!key || container.querySelector(".kb-map__legend")) return;
    var list = el("ul", "kb-map__legend");
    (key.kinds || []).forEach(function (kind) {
      var item = el("li");
      var swatch = el("span", "kb-swatch kb-swatch--" + String(kind.shape).replace(/[^a-z]/g, ""));
      swatch.style.background = kind.color;
      item.appendChild(swatch);
      item.appendChild(document.createTextNode(kind.label));
      list.appendChild(item);
    });
    if ((key.kinds || []).some(function (kind) { return FRAMED[kind.shape]; })) {
      // A boxed kind is drawn as a dot of its colour while its label is too small to read (see detail).
      var dots = el("li", "kb-map__dots");
      dots.appendChild(el("span", "kb-swatch kb-swatch--dot"));
      dots.appendChild(document.createTextNode("a dot: a box too small to label (zoom in)"));
      list.appendChild(dots);
    }
    (key.relations || []).forEach(function (relation) {
      var item = el("li");
      var line = el("span", "kb-line" + (relation.dashes ? " kb-line--dashed" : ""));
      line.style.borderTopColor = relation.color;
      item.appendChild(line);
      item.appendChild(document.createTextNode(relation.label));
      list.appendChild(item);
    });
    var holder = container.querySelector(".kb-map__canvas");
    holder.parentNode.insertBefore(list, holder.nextSibling);
  }

  // A node's facts, spelled out from the packed "speaker|strength|verdict|label" its data carries.
  function factsOf(node, kinds) {
    var kind = kinds[node.group] || "";
    if (!node.about) return kind;
    var p = String(node.about).split("|");
    return (kind ? kind + " \u00b7 " : "") + "by " + p[0] + " \u00b7 strength " + p[1] + ", " + p[2] + " \u00b7 " + p[3];
  }

  // An edge's relation, told by its colour and dash as the legend tells it (edges carry no name of their own:
  // a map has hundreds).
  function relationOf(edge, key) {
    var relations = (key && key.relations) || [];
    for (var i = 0; i < relations.length; i++) {
      if (relations[i].color === edge.color && !!relations[i].dashes === !!edge.dashes) return relations[i].label;
    }
    return "argues about";
  }

  function kindNames(key) {
    var names = {};
    ((key && key.kinds) || []).forEach(function (kind) { names[kind.group] = kind.label; });
    return names;
  }

  // The map as text: every node with a link to its page, and under it what it supports and attacks.
  function outline(container, data, kinds, onFocus, onBlur) {
    var byId = {};
    data.nodes.forEach(function (n) { byId[n.id] = n; });
    var out = {};
    data.edges.forEach(function (e) { (out[e.from] = out[e.from] || []).push(e); });
    var details = el("details", "kb-map__outline");
    var summary = el("summary", null, "The map as a list (" + data.nodes.length + " nodes, " + data.edges.length + " links)");
    details.appendChild(summary);
    var list = el("ul");
    data.nodes.forEach(function (n) {
      var item = el("li");
      var link = el("a", null, n.title || n.label || n.id);
      link.href = nodeUrl(data, n.id);
      link.setAttribute("data-node", n.id);
      item.appendChild(link);
      // The facts as the map shows them now (a perspective may have rewritten them since the data was written).
      var current = container.kbNodes && container.kbNodes.get(n.id);
      var facts = factsOf(current && current.about ? { group: n.group, about: current.about } : n, kinds);
      if (facts) {
        var text = document.createTextNode(" (" + facts + ")");
        item.appendChild(text);
        (container.kbFacts = container.kbFacts || {})[n.id] = text;
      }
      var edges = out[n.id] || [];
      if (edges.length) {
        var sub = el("ul");
        edges.forEach(function (e) {
          var target = byId[e.to];
          if (!target) return;
          var li = el("li", null, relationOf(e, data.legend) + " ");
          var to = el("a", null, target.title || target.label || target.id);
          to.href = nodeUrl(data, target.id);
          to.setAttribute("data-node", target.id);
          li.appendChild(to);
          sub.appendChild(li);
        });
        item.appendChild(sub);
      }
      list.appendChild(item);
    });
    details.appendChild(list);
    details.addEventListener("focusin", function (event) {
      var id = event.target.getAttribute && event.target.getAttribute("data-node");
      if (id) onFocus(id);
    });
    details.addEventListener("focusout", onBlur);
    details.addEventListener("mouseover", function (event) {
      var id = event.target.getAttribute && event.target.getAttribute("data-node");
      if (id) onFocus(id);
    });
    details.addEventListener("mouseleave", onBlur);
    container.appendChild(details);
    return details;
  }

  // What the hint under the buttons says while the page has the wheel: a touch screen has no wheel.
  function idleHint() {
    var touch = window.matchMedia && window.matchMedia("(pointer: coarse)").matches;
    return touch ? "Two fingers move and zoom the map; one scrolls the page"
                 : "Ctrl/\u2318 + scroll, or click the map, to zoom with the wheel";
  }

  function toolbar(container, actions) {
    var bar = el("div", "kb-map__tools");
    [["Fit", "Show the whole map", actions.fit, "fit"],
     ["+", "Zoom in", actions.zoomIn, "zoom-in"],
     ["\u2212", "Zoom out", actions.zoomOut, "zoom-out"]].forEach(function (spec) {
      var button = el("button", "kb-map__button", spec[0]);
      button.type = "button";
      button.title = spec[1];
      button.setAttribute("aria-label", spec[1]);
      button.setAttribute("data-action", spec[3]);
      button.addEventListener("click", spec[2]);
      bar.appendChild(button);
    });
    var hint = el("span", "kb-map__hint", idleHint());
    bar.appendChild(hint);
    var holder = container.querySelector(".kb-map__canvas");
    container.insertBefore(bar, holder);
    return hint;
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
    var kinds = kindNames(data.legend);
    var name = container.getAttribute("data-label") || "Argument map";
    data.nodes.forEach(function (n) {
      // The hover box: the title, then kind, speaker, strength and verdict; vis-network shows a string as text.
      var facts = factsOf(n, kinds);
      n.fullTitle = n.title;
      if (facts) n.title = (n.title || "") + "\n" + facts;
    });
    var nodes = new window.vis.DataSet(data.nodes);
    var edges = new window.vis.DataSet(data.edges);
    var network = new window.vis.Network(holder, { nodes: nodes, edges: edges }, data.options || {});
    container.kbNetwork = network;
    container.kbNodes = nodes;
    container.kbData = data;
    container.kbKinds = kinds;
    legend(container, data.legend);

    var frame = holder.querySelector(".vis-network") || holder;
    var live = el("p", "kb-map__info");
    live.setAttribute("aria-live", "polite");

    // -- level of detail: a framed node whose label is too small to draw is a dot until the zoom makes it
    // readable (vis-network skips a label under drawThreshold - 1 = MIN_LABEL_PX on screen) --
    var framed = {};
    var options = data.options || {};
    var plainSize = ((options.nodes || {}).font || {}).size || 16;
    data.nodes.forEach(function (n) {
      var shape = n.shape || ((options.groups || {})[n.group] || {}).shape;
      if (FRAMED[shape]) framed[n.id] = { shape: shape, px: (n.font && n.font.size) || plainSize };
    });
    var framedIds = Object.keys(framed);
    var dotted = {};
    var fitting = false;
    // vis-network gives a node its group's options again on every update that does not name them: an update
    // of one thing (a highlight's opacity, a dot's shape) would take back the node's own colour (its verdict
    // border) and shape. So this map's node updates, whoever makes them, all go through one that says both
    // again: the colour the node holds now, and whether it is a dot.
    function keepOwn(update) {
      if (update.color === undefined) {
        var own = nodes.get(update.id);
        if (own && own.color !== undefined) update.color = own.color;
      }
      if (dotted[update.id] && update.shape === undefined) {
        update.shape = "dot";
        update.size = DOT_SIZE;
      }
      return update;
    }
    var plainUpdate = nodes.update.bind(nodes);
    nodes.update = function (items, senderId) {
      return plainUpdate([].concat(items).map(keepOwn), senderId);
    };
    // Each framed node a dot or not as wanted(id) says; true when some node changed.
    function reshape(wanted) {
      var changes = [];
      framedIds.forEach(function (id) {
        var dot = wanted(id);
        if (dot === !!dotted[id]) return;
        dotted[id] = dot;
        changes.push(dot ? { id: id, shape: "dot", size: DOT_SIZE } : { id: id, shape: framed[id].shape });
      });
      if (changes.length) nodes.update(changes);
      return changes.length > 0;
    }
    function detail() {
      if (fitting) return;
      var s = scale();
      reshape(function (id) { return framed[id].px * s < MIN_LABEL_PX; });
    }
    network.on("afterDrawing", detail);

    // -- neighbours of a hovered or focused node stand out; the rest fade --
    var neighbours = {};
    var edgeEnds = {};
    data.edges.forEach(function (e, i) {
      var id = e.id !== undefined ? e.id : edges.getIds()[i];
      edgeEnds[id] = [e.from, e.to];
      (neighbours[e.from] = neighbours[e.from] || {})[e.to] = true;
      (neighbours[e.to] = neighbours[e.to] || {})[e.from] = true;
    });
    var lit = null;
    function highlight(id) {
      if (lit === id || !nodes.get(id)) return;
      lit = id;
      var near = neighbours[id] || {};
      nodes.update(nodes.getIds().map(function (n) {
        return { id: n, opacity: n === id || near[n] ? 1 : DIM };
      }));
      edges.update(edges.getIds().map(function (e) {
        var ends = edgeEnds[e] || [];
        var on = ends[0] === id || ends[1] === id;
        var original = edges.get(e);
        var colour = typeof original.color === "string" ? original.color : (original.color && original.color.color);
        if (original.baseColor === undefined) original.baseColor = colour;
        return { id: e, baseColor: original.baseColor, color: { color: original.baseColor, opacity: on ? 1 : DIM } };
      }));
      var node = nodes.get(id);
      live.textContent = node.title || "";
      container.setAttribute("data-kb-lit", id);
    }
    function unlight() {
      if (lit === null) return;
      lit = null;
      nodes.update(nodes.getIds().map(function (n) { return { id: n, opacity: 1 }; }));
      edges.update(edges.getIds().map(function (e) {
        var original = edges.get(e);
        return { id: e, color: { color: original.baseColor, opacity: 1 } };
      }));
      live.textContent = "";
      container.removeAttribute("data-kb-lit");
    }

    // -- the view --
    function scale() { return network.getScale(); }
    function zoomTo(target, around) {
      target = Math.max(MIN_SCALE, Math.min(MAX_SCALE, target));
      var view = network.getViewPosition();
      var position = view;
      if (around) {
        // Keep the point under the pointer where it is.
        var ratio = scale() / target;
        position = { x: around.x + (view.x - around.x) * ratio, y: around.y + (view.y - around.y) * ratio };
      }
      network.moveTo({ position: position, scale: target, animation: false });
    }
    // Fit measures every node as its own shape, drawn once so before fitting (within this task: nothing is
    // painted in between), then dots what is unreadable: a dot is smaller than its box, so fitting around
    // whatever happens to be dotted would give another zoom each time.
    function fit() {
      fitting = true;
      try {
        if (reshape(function () { return false; })) network.redraw();
        network.fit({ animation: false });
      } finally {
        fitting = false;
      }
      detail();
    }
    // The opening view: the whole map if the labels of its main nodes (data.open px and larger) can be read
    // so, else the top of it at the zoom where they can.
    function open() {
      fit();
      var top = data.top !== undefined && nodes.get(data.top) ? nodes.get(data.top) : null;
      if (!top) return;
      var readable = (MIN_LABEL_PX + 0.5) / (data.open || 16);
      if (scale() >= readable) return;
      var at = network.getPosition(top.id);
      var height = holder.clientHeight || 400;
      // The top node sits near the top edge, so what argues about it fills the rest of the view.
      network.moveTo({ position: { x: at.x, y: at.y + (height / 2 - 60) / readable }, scale: readable, animation: false });
    }
    var actions = {
      fit: fit,
      zoomIn: function () { zoomTo(scale() * ZOOM_STEP); },
      zoomOut: function () { zoomTo(scale() / ZOOM_STEP); },
    };
    var hint = toolbar(container, actions);
    holder.parentNode.insertBefore(live, holder.nextSibling);

    // -- taking the wheel: only with Ctrl/⌘ or once the map was clicked --
    var active = false;
    function activate(on) {
      active = on;
      container.classList.toggle("kb-map--active", on);
      hint.textContent = on ? "The wheel zooms the map: Esc or a click outside gives it back to the page"
                            : idleHint();
    }
    holder.addEventListener("wheel", function (event) {
      if (!(active || event.ctrlKey || event.metaKey) || !event.deltaY) {
        if (event.deltaY) container.classList.add("kb-map--hinted");
        return;
      }
      event.preventDefault();
      var rect = holder.getBoundingClientRect();
      var around = network.DOMtoCanvas({ x: event.clientX - rect.left, y: event.clientY - rect.top });
      var step = Math.pow(ZOOM_STEP, Math.max(-3, Math.min(3, -event.deltaY / 100)));
      zoomTo(scale() * step, around);
    }, { passive: false });
    holder.addEventListener("pointerdown", function (event) {
      if (event.pointerType === "mouse") activate(true);
    });
    document.addEventListener("pointerdown", function (event) {
      if (active && !container.contains(event.target)) activate(false);
    });

    // -- touch: one finger is the page's; two pan and pinch the map --
    var pinch = null;
    function touchState(event) {
      var a = event.touches[0], b = event.touches[1];
      var rect = holder.getBoundingClientRect();
      return {
        distance: Math.max(1, Math.hypot(a.clientX - b.clientX, a.clientY - b.clientY)),
        x: (a.clientX + b.clientX) / 2 - rect.left,
        y: (a.clientY + b.clientY) / 2 - rect.top,
      };
    }
    holder.addEventListener("touchstart", function (event) {
      if (event.touches.length === 2) {
        pinch = touchState(event);
        pinch.scale = scale();
        pinch.view = network.getViewPosition();
        event.preventDefault();
      }
    }, { passive: false });
    holder.addEventListener("touchmove", function (event) {
      if (!pinch || event.touches.length !== 2) return;
      event.preventDefault();
      var now = touchState(event);
      var target = Math.max(MIN_SCALE, Math.min(MAX_SCALE, pinch.scale * now.distance / pinch.distance));
      var width = holder.clientWidth, height = holder.clientHeight;
      // The canvas point that was under the fingers' midpoint stays under it.
      var anchor = { x: pinch.view.x + (pinch.x - width / 2) / pinch.scale, y: pinch.view.y + (pinch.y - height / 2) / pinch.scale };
      network.moveTo({ position: { x: anchor.x - (now.x - width / 2) / target, y: anchor.y - (now.y - height / 2) / target },
                       scale: target, animation: false });
    }, { passive: false });
    holder.addEventListener("touchend", function (event) { if (event.touches.length < 2) pinch = null; });

    // -- keyboard: the map is one Tab stop with a name; the list below is the way to its nodes --
    frame.setAttribute("role", "application");
    frame.setAttribute("aria-roledescription", "argument map");
    frame.setAttribute("aria-label", name + ". Arrow keys move, + and \u2212 zoom, 0 fits the whole map; "
                       + "the list after the map gives every node and link.");
    frame.addEventListener("keydown", function (event) {
      var step = 80 / scale();
      var view = network.getViewPosition();
      var moves = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
      if (moves[event.key]) {
        network.moveTo({ position: { x: view.x + moves[event.key][0], y: view.y + moves[event.key][1] }, animation: false });
      } else if (event.key === "+" || event.key === "=") {
        actions.zoomIn();
      } else if (event.key === "-" || event.key === "_") {
        actions.zoomOut();
      } else if (event.key === "0") {
        fit();
      } else if (event.key === "Escape") {
        activate(false);
        return;
      } else {
        return;
      }
      event.preventDefault();
    });
    frame.addEventListener("blur", function () { activate(false); });

    network.on("click", function (event) {
      if (event.nodes && event.nodes.length) {
        var node = nodes.get(event.nodes[0]);
        if (node) follow(nodeUrl(data, node.id));
      }
    });
    network.on("hoverNode", function (event) { holder.style.cursor = "pointer"; highlight(event.node); });
    network.on("blurNode", function () { holder.style.cursor = ""; unlight(); });

    network.once("afterDrawing", function () {
      container.setAttribute("data-kb-drawn", String(nodes.length));
      // Milliseconds since the page started loading: how long a reader waited for the map.
      container.setAttribute("data-kb-drawn-ms", String(Math.round(performance.now())));
      // Borders by verdict from the chosen perspective: after the first picture, which they must not delay.
      if (perspectives) recolour(container);
      // The text version is written once the picture is up: on the whole map it is hundreds of list items.
      setTimeout(function () { outline(container, data, kinds, highlight, unlight); }, 0);
    });
    open();
    detail();
  }

  // -- perspectives --

  function storedPerspective() {
    try { return window.localStorage.getItem(PERSPECTIVE_KEY) || "neutral"; } catch (e) { return "neutral"; }
  }

  function currentPerspective() {
    if (!perspectives) return null;
    var wanted = storedPerspective();
    for (var i = 0; i < perspectives.perspectives.length; i++) {
      if (perspectives.perspectives[i].id === wanted) return perspectives.perspectives[i];
    }
    return perspectives.perspectives[0];
  }

  function loadPerspectives() {
    if (perspectives) return Promise.resolve(perspectives);
    if (!perspectivesLoading) {
      perspectivesLoading = fetch(assetUrl("perspectives.json")).then(function (r) {
        if (!r.ok) throw new Error("perspectives.json: " + r.status);
        return r.json();
      }).then(function (data) {
        perspectives = data;
        perspectives.position = {};
        data.ids.forEach(function (id, k) { perspectives.position[id] = k; });
        return data;
      });
    }
    return perspectivesLoading;
  }

  function strengthText(p, k) {
    var value = p.strengths[k].toFixed(2);
    return p.provisional.indexOf(k) >= 0 ? "\u2248" + value + " (provisional)" : value;
  }

  // The node's hover facts and border, from the chosen perspective.
  function recolour(container) {
    var p = currentPerspective();
    var nodes = container.kbNodes, data = container.kbData;
    if (!p || !nodes || !data) return;
    var groups = (data.options && data.options.groups) || {};
    var updates = [];
    nodes.forEach(function (n) {
      var k = perspectives.position[n.id];
      if (k === undefined) return;
      var code = p.verdicts.charAt(k);
      var colour = VERDICT_COLOURS[code] || VERDICT_COLOURS.b;
      var fill = (n.color && n.color.background) || (groups[n.group] && groups[n.group].color.background) || "#ffffff";
      if (n.baseBorderWidth === undefined) n.baseBorderWidth = n.borderWidth || 0;
      var update = {
        id: n.id, baseBorderWidth: n.baseBorderWidth, borderWidth: Math.max(n.baseBorderWidth, 2.5),
        color: { background: fill, border: colour, highlight: { background: fill, border: colour },
                 hover: { background: fill, border: colour } },
      };
      if (n.about) {
        var parts = String(n.about).split("|");
        parts[1] = strengthText(p, k);
        parts[2] = VERDICT_WORDS[code] || parts[2];
        update.about = parts.join("|");
        var facts = factsOf({ group: n.group, about: update.about }, container.kbKinds || {});
        update.title = (n.fullTitle || "") + "\n" + facts;
        var listed = container.kbFacts && container.kbFacts[n.id];
        if (listed) listed.textContent = " (" + facts + ")";  // the map's text alternative says the same
      }
      updates.push(update);
    });
    nodes.update(updates);
    var key = container.querySelector(".kb-map__legend");
    if (key) {
      var item = key.querySelector(".kb-map__verdicts");
      if (!item) {
        item = el("li", "kb-map__verdicts");
        key.appendChild(item);
      }
      item.textContent = "";
      item.appendChild(document.createTextNode("Border, from the " + (p.id === "neutral" ? "neutral" : p.name + "\u2019s") + " perspective: "));
      ["a", "r", "b"].forEach(function (code, i) {
        var word = el("span", "kb-verdict-key", VERDICT_WORDS[code]);
        word.style.borderColor = VERDICT_COLOURS[code];
        item.appendChild(word);
        if (i < 2) item.appendChild(document.createTextNode(" "));
      });
    }
  }

  function applyPerspective() {
    var p = currentPerspective();
    if (!p) return;
    var cells = document.querySelectorAll("[data-k]");
    for (var i = 0; i < cells.length; i++) cells[i].textContent = strengthText(p, +cells[i].getAttribute("data-k"));
    // Long tables mark their strength column once (data-kcol); each row's claim is its first link.
    var tables = document.querySelectorAll("table[data-kcol]");
    for (i = 0; i < tables.length; i++) {
      var col = +tables[i].getAttribute("data-kcol");
      var rows = tables[i].querySelectorAll("tbody tr");
      for (var r = 0; r < rows.length; r++) {
        var link = rows[r].querySelector("a[href]");
        var found = link && /claims\/([a-z0-9-]+)(?:\/|\.html)(?:#.*)?$/.exec(link.getAttribute("href"));
        var k = found ? perspectives.position[found[1]] : undefined;
        if (k !== undefined && rows[r].children[col]) rows[r].children[col].textContent = strengthText(p, k);
      }
    }
    var verdicts = document.querySelectorAll("[data-kv]");
    for (i = 0; i < verdicts.length; i++) {
      verdicts[i].textContent = VERDICT_WORDS[p.verdicts.charAt(+verdicts[i].getAttribute("data-kv"))] || "";
    }
    var names = document.querySelectorAll(".kb-pname");
    for (i = 0; i < names.length; i++) names[i].textContent = p.id === "neutral" ? "neutral" : p.name;
    var maps = document.querySelectorAll(".kb-map");
    for (i = 0; i < maps.length; i++) recolour(maps[i]);
    document.documentElement.setAttribute("data-kb-perspective", p.id);
  }

  // The switcher, at the top of a page that shows strengths: a labelled select, usable by keyboard.
  function switcher() {
    var article = document.querySelector("article");
    if (!article || article.querySelector(".kb-perspective")) return;
    if (!document.querySelector("[data-k], [data-kv], table[data-kcol], .kb-map")) return;
    loadPerspectives().then(function (data) {
      if (article.querySelector(".kb-perspective") || !document.contains(article)) return;
      var bar = el("div", "kb-perspective");
      var label = el("label", null, "Strengths from the perspective of");
      label.setAttribute("for", "kb-perspective-select");
      var select = el("select");
      select.id = "kb-perspective-select";
      data.perspectives.forEach(function (p) {
        var option = el("option", null, p.id === "neutral" ? "Neutral (no prior either way)" : p.name);
        option.value = p.id;
        select.appendChild(option);
      });
      select.value = currentPerspective().id;
      select.addEventListener("change", function () {
        try { window.localStorage.setItem(PERSPECTIVE_KEY, select.value); } catch (e) { /* private mode */ }
        applyPerspective();
      });
      bar.appendChild(label);
      bar.appendChild(select);
      var heading = article.querySelector("h1");
      if (heading && heading.parentNode === article) article.insertBefore(bar, heading.nextSibling);
      else article.insertBefore(bar, article.firstChild);
      applyPerspective();
    }, function () { /* no data: the page keeps its neutral numbers */ });
  }

  // The stand page's scripts, in order, only where there is a stand page.
  var standLoading = null;
  function loadScript(name) {
    return new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = assetUrl(name);
      script.onload = function () { resolve(); };
      script.onerror = function () { reject(new Error(name + " did not load")); };
      document.head.appendChild(script);
    });
  }
  function stand() {
    var box = document.getElementById("kb-stand");
    if (!box) return;
    if (!standLoading) {
      standLoading = loadScript("kb-semantics.js").then(function () { return loadScript("kb-stand.js"); });
    }
    standLoading.then(function () { if (window.KBStand) window.KBStand.start(box); });
  }

  // A phone stacks each table row as lines (kb.css); every cell is given its column's name to show beside it.
  // Set here rather than written into the pages: on the index pages it would add a third to their weight.
  function labelCells() {
    var tables = document.querySelectorAll(".kb-block table");
    for (var t = 0; t < tables.length; t++) {
      var heads = tables[t].querySelectorAll("thead th");
      if (!heads.length) continue;
      var names = [];
      for (var i = 0; i < heads.length; i++) names.push(heads[i].textContent.trim());
      var rows = tables[t].querySelectorAll("tbody tr");
      for (var r = 0; r < rows.length; r++) {
        var cells = rows[r].children;
        for (var c = 0; c < cells.length && c < names.length; c++) {
          if (names[c]) cells[c].setAttribute("data-label", names[c]);
        }
      }
    }
  }

  function drawAll() {
    labelCells();
    switcher();
    stand();
    // Material's search is a dialog without a name; screen readers announce it as "dialog" otherwise.
    var search = document.querySelector(".md-search[role=dialog]");
    if (search && !search.getAttribute("aria-label")) search.setAttribute("aria-label", "Search");
    var maps = document.querySelectorAll(".kb-map");
    if (!maps.length) return;
    loadVis().then(function () {
      for (var i = 0; i < maps.length; i++) draw(maps[i]);
    }, function () {
      for (var i = 0; i < maps.length; i++) draw(maps[i]);  // says on the page that the map could not be drawn
    });
  }

  // The script runs at the end of the page: start fetching vis-network now if this page has a map, rather
  // than when the theme announces the page.
  if (document.querySelector(".kb-map")) loadVis().catch(function () {});

  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(drawAll);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
