/*
 * "Where do you stand?": the reader's own credences, solved in the browser.
 *
 * Reads stand.json (kb/publishing/clientdata.py) and solves it with kb-semantics.js, the
 * same semantics as kb's own (a browser test compares the two on every node).
 * The reader's credences live in localStorage under one key; nothing leaves
 * the browser. Every piece of text from the knowledge base is set as text,
 * never as markup.
 */
(function () {
  "use strict";

  var KEY = "kb-stand-v1";
  var TOP_CRUXES = 5;
  var TOP_DOUBLE = 3;
  var PERSON_ID = /^[a-z0-9][a-z0-9-]*$/;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function load() {
    try {
      var raw = JSON.parse(window.localStorage.getItem(KEY) || "{}");
      var credences = {};
      Object.keys(raw.credences || {}).forEach(function (id) {
        var v = +raw.credences[id];
        if (v >= 0 && v <= 1) credences[id] = v;
      });
      return { person: typeof raw.person === "string" ? raw.person : "reader", credences: credences };
    } catch (e) {
      return { person: "reader", credences: {} };
    }
  }

  function save(state) {
    try { window.localStorage.setItem(KEY, JSON.stringify(state)); } catch (e) { /* private mode: not kept */ }
  }

  function fixed(x) { return x.toFixed(2); }
  function pct(x) { return x === null ? "\u2014" : Math.round(100 * x) + "%"; }

  function table(header, rows, className) {
    var t = el("table", className);
    var head = el("thead"), tr = el("tr");
    header.forEach(function (h) { tr.appendChild(el("th", null, h)); });
    head.appendChild(tr);
    t.appendChild(head);
    var body = el("tbody");
    rows.forEach(function (row) {
      var r = el("tr");
      row.forEach(function (cell, i) {
        var td = el("td");
        if (cell instanceof Node) td.appendChild(cell); else td.textContent = cell;
        td.setAttribute("data-label", header[i]);
        r.appendChild(td);
      });
      body.appendChild(r);
    });
    t.appendChild(body);
    return t;
  }

  function start(box) {
    if (box.getAttribute("data-kb-started")) return;
    box.setAttribute("data-kb-started", "1");
    fetch(box.getAttribute("data-src")).then(function (r) {
      if (!r.ok) throw new Error("stand.json: " + r.status);
      return r.json();
    }).then(function (data) { build(box, data); }, function () {
      box.textContent = "The data this page computes with could not be loaded.";
    });
  }

  function build(box, data) {
    var K = window.KBSemantics;
    if (data.method !== "drqe") {  // the one semantics kb-semantics.js implements
      box.textContent = "This page computes with kb's drqe semantics only; this site was built with " + data.method + ".";
      return;
    }
    var net = new K.Net(data.network);
    var base = box.getAttribute("data-base") || "";
    var titles = data.titles;
    var state = load();
    var n = net.size;
    // A claim renamed or removed since the credences were set is forgotten: kb would refuse its command.
    Object.keys(state.credences).forEach(function (id) {
      if (net.index[id] === undefined || net.root[net.index[id]] !== net.index[id]) delete state.credences[id];
    });

    function link(k) {
      var a = el("a", null, titles[k]);
      a.href = base + String(data.page).replace("{id}", encodeURIComponent(net.ids[k]));
      return a;
    }

    // Participants: their base scores as the site's analysis has them, solved once.
    var people = data.people.map(function (p) {
      var credences = {};
      Object.keys(p.tau).forEach(function (k) { credences[net.ids[+k]] = p.tau[k]; });
      var tau = net.tauList(credences);
      return { id: p.id, name: p.name, tau: tau, solved: net.solve(tau) };
    });
    var neutralTau = net.tauList({});
    var neutral = net.solve(neutralTau);

    box.textContent = "";

    // -- the verdicts --
    var verdictSection = el("section", "kb-stand__verdicts");
    verdictSection.appendChild(el("h2", null, "Your verdicts"));
    verdictSection.firstChild.id = "your-verdicts";
    var verdictHolder = el("div");
    verdictSection.appendChild(verdictHolder);
    box.appendChild(verdictSection);

    // -- the sliders --
    var sliderSection = el("section", "kb-stand__credences");
    var sliderHeading = el("h2", null, "Your credences");
    sliderHeading.id = "your-credences";
    sliderSection.appendChild(sliderHeading);
    var tools = el("p", "kb-stand__tools");
    var clear = el("button", "kb-map__button", "Clear all my credences");
    clear.type = "button";
    tools.appendChild(clear);
    var count = el("span", "kb-stand__count");
    tools.appendChild(count);
    sliderSection.appendChild(tools);
    // The main thesis's verdict stays in view while the reader moves sliders far below the table.
    var sticky = el("p", "kb-stand__sticky");
    sticky.setAttribute("aria-live", "polite");
    sliderSection.appendChild(sticky);
    sliderSection.appendChild(el("h3", null, "What the main theses hinge on"));
    var firstList = el("div", "kb-stand__list");
    sliderSection.appendChild(firstList);
    var rest = [];
    var shown = {};
    data.first.forEach(function (k) { shown[k] = true; });
    data.theses.forEach(function (t) { if (!shown[t]) { rest.push(t); shown[t] = true; } });
    var others = [];
    for (var k = 0; k < n; k++) if (!shown[k] && net.root[k] === k) others.push(k);
    others.sort(function (a, b) { return titles[a].localeCompare(titles[b]); });
    rest = rest.concat(others);
    var more = el("details", "kb-stand__more");
    more.appendChild(el("summary", null, "Every other claim (" + rest.length + ")"));
    var filterLabel = el("label", null, "Find a claim: ");
    filterLabel.setAttribute("for", "kb-stand-filter");
    var filter = el("input");
    filter.type = "search";
    filter.id = "kb-stand-filter";
    var filterRow = el("p");
    filterRow.appendChild(filterLabel);
    filterRow.appendChild(filter);
    more.appendChild(filterRow);
    var restList = el("div", "kb-stand__list");
    more.appendChild(restList);
    sliderSection.appendChild(more);
    box.appendChild(sliderSection);

    // -- cruxes and double cruxes, for one thesis at a time --
    var cruxSection = el("section", "kb-stand__cruxes");
    var cruxHeading = el("h2", null, "Your cruxes and double cruxes");
    cruxHeading.id = "your-cruxes";
    cruxSection.appendChild(cruxHeading);
    var pick = el("p");
    var pickLabel = el("label", null, "Thesis: ");
    pickLabel.setAttribute("for", "kb-stand-thesis");
    var thesisSelect = el("select");
    thesisSelect.id = "kb-stand-thesis";
    data.theses.forEach(function (t) {
      var option = el("option", null, titles[t]);
      option.value = String(t);
      thesisSelect.appendChild(option);
    });
    pick.appendChild(pickLabel);
    pick.appendChild(thesisSelect);
    cruxSection.appendChild(pick);
    var cruxHolder = el("div");
    cruxHolder.setAttribute("aria-live", "polite");
    cruxSection.appendChild(cruxHolder);
    box.appendChild(cruxSection);

    // -- copy out --
    var out = el("section", "kb-stand__out");
    var outHeading = el("h2", null, "Record them with kb");
    outHeading.id = "record";
    out.appendChild(outHeading);
    var personRow = el("p");
    var personLabel = el("label", null, "Your id in people.yaml: ");
    personLabel.setAttribute("for", "kb-stand-person");
    var person = el("input");
    person.id = "kb-stand-person";
    person.value = state.person;
    person.setAttribute("spellcheck", "false");
    personRow.appendChild(personLabel);
    personRow.appendChild(person);
    var personError = el("span", "kb-stand__error");
    personError.setAttribute("aria-live", "polite");
    personRow.appendChild(personError);
    out.appendChild(personRow);
    out.appendChild(el("p", null, "The kb stance commands that would record your credences (add yourself first with "
      + "kb person add), and the same credences as YAML, claim id to credence:"));
    var commandsLabel = el("label", null, "Commands");
    commandsLabel.setAttribute("for", "kb-stand-commands");
    var commands = el("textarea", "kb-stand__text");
    commands.id = "kb-stand-commands";
    commands.readOnly = true;
    commands.rows = 6;
    var yamlLabel = el("label", null, "YAML");
    yamlLabel.setAttribute("for", "kb-stand-yaml");
    var yaml = el("textarea", "kb-stand__text");
    yaml.id = "kb-stand-yaml";
    yaml.readOnly = true;
    yaml.rows = 6;
    out.appendChild(commandsLabel);
    out.appendChild(commands);
    out.appendChild(yamlLabel);
    out.appendChild(yaml);
    box.appendChild(out);

    var sliders = {};  // index -> {input, output, row}

    function slider(k) {
      var id = net.ids[k];
      var row = el("div", "kb-stand__row");
      row.setAttribute("data-id", id);
      var name = el("div", "kb-stand__name");
      name.appendChild(link(k));
      row.appendChild(name);
      var control = el("div", "kb-stand__control");
      var input = el("input");
      input.type = "range";
      input.min = "0";
      input.max = "100";
      input.step = "1";
      input.setAttribute("aria-label", "Your credence in: " + titles[k]);
      var output = el("output");
      var reset = el("button", "kb-stand__reset", "Reset");
      reset.type = "button";
      reset.setAttribute("aria-label", "Reset your credence in: " + titles[k]);
      control.appendChild(input);
      control.appendChild(output);
      control.appendChild(reset);
      row.appendChild(control);
      sliders[k] = { input: input, output: output, row: row };
      show(k);
      input.addEventListener("input", function () {
        state.credences[id] = +input.value / 100;
        show(k);
        changed();
      });
      reset.addEventListener("click", function () {
        delete state.credences[id];
        show(k);
        changed();
      });
      return row;
    }

    function show(k) {
      var s = sliders[k];
      if (!s) return;
      var v = state.credences[net.ids[k]];
      var set = v !== undefined;
      s.input.value = String(Math.round(100 * (set ? v : 0.5)));
      s.output.textContent = set ? fixed(v) : "not set";
      s.row.classList.toggle("kb-stand__row--set", set);
      s.input.setAttribute("aria-valuetext", set ? fixed(v) : "not set (0.50)");
    }

    data.first.forEach(function (k) { firstList.appendChild(slider(k)); });
    var restBuilt = false;
    function buildRest() {
      if (restBuilt) return;
      restBuilt = true;
      var frag = document.createDocumentFragment();
      rest.forEach(function (k) { frag.appendChild(slider(k)); });
      restList.appendChild(frag);
    }
    more.addEventListener("toggle", function () { if (more.open) buildRest(); });
    filter.addEventListener("input", function () {
      buildRest();
      more.open = true;
      var words = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
      rest.forEach(function (k) {
        var text = (titles[k] + " " + net.ids[k]).toLowerCase();
        sliders[k].row.hidden = !words.every(function (w) { return text.indexOf(w) >= 0; });
      });
    });
    clear.addEventListener("click", function () {
      state.credences = {};
      Object.keys(sliders).forEach(function (k) { show(+k); });
      changed();
    });
    person.addEventListener("input", function () {
      state.person = person.value.trim();
      save(state);
      writeOut();
    });
    thesisSelect.addEventListener("change", function () { cruxesNow(); });

    var solved = null, tau = null;
    function solveMine() {
      tau = net.tauList(state.credences);
      solved = net.solve(tau);
    }

    function verdictCell(value, converged) {
      // A strength off the middle that two decimals would print as 0.50 gets more (up to six), until the
      // number shows the side its verdict names: "0.500 rejected" would puzzle.
      var shown = fixed(value);
      for (var d = 3; d <= 6 && Number(shown) === 0.5 && K.verdict(value) !== "balanced"; d++) {
        shown = value.toFixed(d);
      }
      var span = el("span", null, shown + " " + K.verdict(value) + (converged ? "" : " (provisional)"));
      span.className = "kb-stand__v kb-stand__v--" + K.verdict(value);
      return span;
    }

    function verdicts() {
      var header = ["Thesis", "You", "Neutral"].concat(people.map(function (p) { return p.name; }));
      var rows = data.theses.map(function (t) {
        var cell = verdictCell(solved.values[t], solved.converged);
        cell.setAttribute("data-thesis", net.ids[t]);
        return [link(t), cell, verdictCell(neutral.values[t], neutral.converged)].concat(
          people.map(function (p) { return verdictCell(p.solved.values[t], p.solved.converged); }));
      });
      verdictHolder.textContent = "";
      verdictHolder.appendChild(table(header, rows));
      var main = data.theses[0];
      sticky.textContent = "";
      if (main !== undefined) {
        sticky.appendChild(document.createTextNode("Your verdict on \u201c" + titles[main] + "\u201d: "));
        sticky.appendChild(verdictCell(solved.values[main], solved.converged));
      }
    }

    // One block of the crux tables: a heading, what to read first, then the rows as a table, or a line
    // saying there are none (rows null: nothing to list, as when the reader and a participant agree).
    function cruxBlock(title, lines, header, rows, none) {
      cruxHolder.appendChild(el("h3", null, title));
      lines.forEach(function (line) { cruxHolder.appendChild(el("p", null, line)); });
      if (rows === null) return;
      cruxHolder.appendChild(rows.length ? table(header, rows) : el("p", null, none));
    }

    function cruxesNow() {
      var t = +thesisSelect.value;
      cruxHolder.textContent = "";
      var mine = net.cruxes(tau, solved.values, t, TOP_CRUXES).filter(function (c) { return Math.abs(c.swing) >= 0.005; });
      cruxBlock("What it hinges on for you", [], ["Crux", "Thesis if it holds", "if it fails", "Swing"],
        mine.map(function (c) {
          return [link(c.index), fixed(c.high), fixed(c.low), (c.swing >= 0 ? "+" : "") + fixed(c.swing)];
        }), "No single claim moves it by as much as 0.01 for you.");
      people.forEach(function (p) {
        var report = net.doubleCruxes(tau, solved.values, p.tau, p.solved.values, t, TOP_DOUBLE);
        var line = "Your strength " + fixed(report.strengthA) + ", theirs " + fixed(report.strengthB) + ".";
        var agree = Math.abs(report.gap) < 0.05 && K.verdict(report.strengthA) === K.verdict(report.strengthB);
        var rows = agree ? null : report.items.filter(function (i) {
          return i.score !== null && Math.max(Math.abs(i.closeA), Math.abs(i.closeB)) >= 0.005;
        }).map(function (i) {
          return [link(i.index), fixed(i.tauA), fixed(i.tauB), pct(i.closeA), pct(i.closeB)];
        });
        cruxBlock("You and " + p.name, [line + (agree ? " You agree on it (the same verdict, strengths within 0.05)." : "")],
          ["Claim", "You", p.name, "Gap closed if you adopt theirs", "if they adopt yours"], rows,
          "No single claim you score differently closes any of the gap.");
      });
    }

    function writeOut() {
      var who = state.person;
      var ok = PERSON_ID.test(who);
      personError.textContent = ok ? "" : " An id is lower-case letters, digits and hyphens.";
      person.setAttribute("aria-invalid", ok ? "false" : "true");
      var ids = Object.keys(state.credences).sort();
      count.textContent = " " + ids.length + " credence" + (ids.length === 1 ? "" : "s") + " set.";
      if (!ok) { commands.value = ""; yaml.value = ""; return; }
      commands.value = ids.map(function (id) { return "kb stance " + who + " " + id + " " + fixed(state.credences[id]); }).join("\n");
      yaml.value = ids.length ? "# " + who + "'s credences: claim id -> credence\n" + ids.map(function (id) {
        return id + ": " + fixed(state.credences[id]);
      }).join("\n") : "";
    }

    var pending = null;
    function changed() {
      save(state);
      solveMine();
      verdicts();
      writeOut();
      // Cruxes re-solve the map twice per claim: once the reader pauses, not on every step of a slider.
      if (pending) clearTimeout(pending);
      pending = setTimeout(function () { pending = null; cruxesNow(); box.setAttribute("data-kb-cruxes", String(Date.now())); }, 150);
    }

    solveMine();
    verdicts();
    box.setAttribute("data-kb-ready-ms", String(Math.round(performance.now())));
    writeOut();
    cruxesNow();
    box.setAttribute("data-kb-cruxes", String(Date.now()));
    box.kbNet = net;
  }

  window.KBStand = { start: start };
})();
