/*
 * kb's default gradual semantics (drqe), in the reader's browser.
 *
 * The network comes compiled by kb.analysis.network.Network at build time
 * (kb/publishing/clientdata.py writes it into stand.json): for each node its arguments,
 * supports first, each a weight and one premise or, for a linked argument, its
 * premises and any undercutters; restatement classes already merged (a member
 * reads its class's representative); the strongly connected components in
 * topological order. What is repeated here is only the solver, step for step
 * as kb/analysis/network.py does it:
 *
 *   - an argument contributes w * min(strength of its premises), times
 *     (1 - v * strength(u)) for each undercutter u of weight v;
 *   - drsum: each side sorted strongest first, the k-th contribution discounted
 *     by 0.5^k, supports minus attacks;
 *   - quadratic influence: t + (1 - t) h(e) - t h(-e), h(x) = x^2 / (1 + x^2);
 *   - a component outside any cycle is one update; a circular one is iterated
 *     with the damped update s <- s + d (f(s) - s), d halved whenever the
 *     residual stops halving over a window, until the largest change is at most
 *     the tolerance.
 *
 * A browser test solves the real map here and in Python for random base
 * scores and compares every node to 1e-9.
 *
 * Cruxes and double cruxes use the same interventions as kb.analysis.cruxes: a crux is
 * forced to 1 and to 0 with its own arguments cut; a double crux is one claim's
 * base score swapped for the other side's. Only the changed node's downstream is
 * re-solved, from the baseline.
 */
(function (global) {
  "use strict";

  function Net(d) {
    this.ids = d.ids;
    this.size = d.ids.length;
    this.root = d.root;
    this.argPtr = d.arg_ptr;
    this.supEnd = d.sup_end;
    this.aSrc = d.a_src;
    this.aW = d.a_w;
    this.extra = {};
    var self = this;
    Object.keys(d.extra || {}).forEach(function (k) { self.extra[+k] = d.extra[k]; });
    this.order = d.order;
    this.bounds = d.bounds;
    this.tol = d.tolerance;
    this.maxIterations = d.max_iterations;
    this.minDamping = d.min_damping;
    this.window = d.damping_window;
    this.ratio = d.dr_ratio;
    var nComp = this.bounds.length - 1;
    this.cyclic = new Uint8Array(nComp);
    (d.cyclic || []).forEach(function (c) { self.cyclic[c] = 1; });
    this.compOf = new Int32Array(this.size);
    for (var c = 0; c < nComp; c++) {
      for (var k = this.bounds[c]; k < this.bounds[c + 1]; k++) this.compOf[this.order[k]] = c;
    }
    this.planAll = [];
    for (c = 0; c < nComp; c++) this.planAll.push(this.cyclic[c] ? -(c + 1) : this.order[this.bounds[c]]);
    this.mirrors = [];
    for (var i = 0; i < this.size; i++) if (this.root[i] !== i) this.mirrors.push([i, this.root[i]]);
    // The dependency graph: premises and undercutters -> the node argued about.
    this.outs = [];
    this.ins = [];
    for (i = 0; i < this.size; i++) { this.outs.push([]); this.ins.push([]); }
    for (i = 0; i < this.size; i++) {
      for (k = this.argPtr[i]; k < this.argPtr[i + 1]; k++) {
        var x = this.extra[k];
        var deps = x ? x[0].concat(x[1].map(function (uc) { return uc[0]; })) : [this.aSrc[k]];
        for (var j = 0; j < deps.length; j++) { this.outs[deps[j]].push(i); this.ins[i].push(deps[j]); }
      }
    }
    this.index = {};
    for (i = 0; i < this.size; i++) this.index[this.ids[i]] = i;
  }

  Net.prototype.members = function (c) { return this.order.slice(this.bounds[c], this.bounds[c + 1]); };

  // Base scores in index order from {id: value}; a restatement class gets the mean of its members'.
  Net.prototype.tauList = function (credences) {
    var out = new Array(this.size).fill(0.5);
    var self = this;
    Object.keys(credences || {}).forEach(function (id) {
      var i = self.index[id];
      if (i !== undefined) out[i] = +credences[id];
    });
    if (this.mirrors.length) {
      var sums = {};
      this.mirrors.forEach(function (m) {
        var r = m[1];
        if (!sums[r]) sums[r] = [out[r]];
        sums[r].push(out[m[0]]);
      });
      Object.keys(sums).forEach(function (r) {
        var v = sums[r];
        out[r] = fsum(v) / v.length;
      });
      this.mirrors.forEach(function (m) { out[m[0]] = out[m[1]]; });
    }
    return out;
  };

  // Nearly Python's math.fsum (Shewchuk's partials): the mean of a restatement class's base scores as kb takes it.
  function fsum(values) {
    var partials = [];
    for (var n = 0; n < values.length; n++) {
      var x = values[n], i = 0;
      for (var j = 0; j < partials.length; j++) {
        var y = partials[j];
        if (Math.abs(x) < Math.abs(y)) { var t = x; x = y; y = t; }
        var hi = x + y, lo = y - (hi - x);
        if (lo) partials[i++] = lo;
        x = hi;
      }
      partials.length = i;
      partials.push(x);
    }
    var total = 0;
    for (var k = 0; k < partials.length; k++) total += partials[k];
    return total;
  }

  Net.prototype.contribution = function (k, values) {
    var x = this.extra[k];
    if (!x) return this.aW[k] * values[this.aSrc[k]];
    var low = Infinity;
    for (var p = 0; p < x[0].length; p++) low = Math.min(low, values[x[0][p]]);
    var c = this.aW[k] * low;
    for (var u = 0; u < x[1].length; u++) c *= 1.0 - x[1][u][1] * values[x[1][u][0]];
    return c;
  };

  Net.prototype.drsum = function (list) {
    list.sort(function (a, b) { return b - a; });
    var total = 0, w = 1;
    for (var i = 0; i < list.length; i++) { total += list[i] * w; w *= this.ratio; }
    return total;
  };

  function quadratic(t, e) {
    if (e > 0) { e *= e; return t + (1.0 - t) * e / (1.0 + e); }
    if (e < 0) { e *= e; return t - t * e / (1.0 + e); }
    return t;
  }

  Net.prototype.update = function (i, values, tau) {
    var a = this.argPtr[i], m = this.supEnd[i], b = this.argPtr[i + 1];
    if (a === b) return tau[i];
    var sup = [], att = [];
    for (var k = a; k < m; k++) sup.push(this.contribution(k, values));
    for (k = m; k < b; k++) att.push(this.contribution(k, values));
    return quadratic(tau[i], this.drsum(sup) - this.drsum(att));
  };

  // The update of a member of a circular component: what lies outside it is fixed while it is iterated.
  Net.prototype.updater = function (i, values, tau) {
    var self = this;
    var comp = this.compOf[i];
    var a = this.argPtr[i], m = this.supEnd[i], b = this.argPtr[i + 1];
    var extSup = [], extAtt = [], internal = [];
    for (var k = a; k < b; k++) {
      var x = this.extra[k];
      var premises = x ? x[0] : [this.aSrc[k]];
      var cutters = x ? x[1] : [];
      var inside = premises.some(function (p) { return self.compOf[p] === comp; })
        || cutters.some(function (uc) { return self.compOf[uc[0]] === comp; });
      if (inside) internal.push([k < m, k]);
      else (k < m ? extSup : extAtt).push(this.contribution(k, values));
    }
    var t = tau[i];
    var nSup = internal.filter(function (e) { return e[0]; }).length;
    if (nSup <= 1 && internal.length - nSup <= 1) {
      // As kb.analysis.network: the sorted external part is fixed; the one moving value is placed by bisection.
      var sides = [true, false].map(function (isSup) {
        var ordered = (isSup ? extSup : extAtt).slice().sort(function (p, q) { return p - q; });
        var desc = ordered.slice().reverse();
        var weights = [1.0];
        while (weights.length < desc.length + 1) weights.push(weights[weights.length - 1] * self.ratio);
        var prefix = [0.0];
        for (var j = 0; j < desc.length; j++) prefix.push(prefix[prefix.length - 1] + desc[j] * weights[j]);
        var ks = internal.filter(function (e) { return e[0] === isSup; });
        return { ordered: ordered, prefix: prefix, weights: weights, k: ks.length ? ks[0][1] : null };
      });
      var sideValue = function (s) {
        var total = s.prefix[s.prefix.length - 1];
        if (s.k === null) return total;
        var v = self.contribution(s.k, values);
        var lo = 0, hi = s.ordered.length;  // bisect_right
        while (lo < hi) { var mid = (lo + hi) >> 1; if (v < s.ordered[mid]) hi = mid; else lo = mid + 1; }
        var r = s.ordered.length - lo;
        return s.prefix[r] + v * s.weights[r] + (total - s.prefix[r]) * self.ratio;
      };
      return function () { return quadratic(t, sideValue(sides[0]) - sideValue(sides[1])); };
    }
    return function () {
      var sup = extSup.slice(), att = extAtt.slice();
      internal.forEach(function (e) { (e[0] ? sup : att).push(self.contribution(e[1], values)); });
      return quadratic(t, self.drsum(sup) - self.drsum(att));
    };
  };

  Net.prototype.iterate = function (members, values, tau) {
    var self = this;
    var updaters = members.map(function (i) { return self.updater(i, values, tau); });
    var damping = 1.0, windowStart = Infinity, residual = Infinity;
    for (var iteration = 1; iteration <= this.maxIterations; iteration++) {
      var fresh = updaters.map(function (u) { return u(); });
      residual = 0;
      for (var j = 0; j < members.length; j++) residual = Math.max(residual, Math.abs(fresh[j] - values[members[j]]));
      if (residual <= this.tol) {
        for (j = 0; j < members.length; j++) values[members[j]] = fresh[j];
        return true;
      }
      if (iteration % this.window === 1) {
        if (residual > windowStart / 2.0) damping = Math.max(damping / 2.0, this.minDamping);
        windowStart = residual;
      }
      for (j = 0; j < members.length; j++) values[members[j]] += damping * (fresh[j] - values[members[j]]);
    }
    return false;
  };

  // Carry out a plan (node indices, or -(c + 1) for circular component c); false if a cycle did not settle.
  Net.prototype.run = function (plan, values, tau, fixed) {
    var ok = true;
    var fixedComp = fixed === undefined || fixed === null ? -1 : this.compOf[fixed];
    for (var s = 0; s < plan.length; s++) {
      var i = plan[s];
      if (i < 0) {
        var c = -i - 1;
        var members = this.members(c);
        if (c === fixedComp) members = members.filter(function (x) { return x !== fixed; });
        if (members.length && !this.iterate(members, values, tau)) ok = false;
      } else {
        values[i] = this.update(i, values, tau);
      }
    }
    return ok;
  };

  // Strengths of every node from base scores in index order: {values, converged}.
  Net.prototype.solve = function (tau) {
    var values = tau.slice();
    var ok = this.run(this.planAll, values, tau);
    this.mirrors.forEach(function (m) { values[m[0]] = values[m[1]]; });
    return { values: values, converged: ok };
  };

  Net.prototype.ancestors = function (target) {
    var mask = new Uint8Array(this.size);
    mask[target] = 1;
    var todo = [target];
    while (todo.length) {
      var v = todo.pop();
      var ins = this.ins[v];
      for (var k = 0; k < ins.length; k++) if (!mask[ins[k]]) { mask[ins[k]] = 1; todo.push(ins[k]); }
    }
    return mask;
  };

  // x and what it reaches inside mask: the nodes a change at x can move.
  Net.prototype.between = function (x, mask) {
    var seen = {}, out = [x], todo = [x];
    seen[x] = true;
    while (todo.length) {
      var v = todo.pop();
      var outs = this.outs[v];
      for (var k = 0; k < outs.length; k++) {
        var w = outs[k];
        if (mask[w] && !seen[w]) { seen[w] = true; out.push(w); todo.push(w); }
      }
    }
    return out;
  };

  Net.prototype.plan = function (nodes, fixed) {
    var self = this;
    var sorted = nodes.slice().sort(function (p, q) { return self.compOf[p] - self.compOf[q]; });
    var steps = [], seen = {};
    sorted.forEach(function (i) {
      var c = self.compOf[i];
      if (self.cyclic[c]) {
        if (!seen[c]) { seen[c] = true; steps.push(-(c + 1)); }
      } else if (i !== fixed) {
        steps.push(i);
      }
    });
    return steps;
  };

  // Re-solve after one change, reading the rest from a baseline; returns the target's value and restores.
  Net.prototype.intervene = function (values, tau, x, mask, target, change) {
    var region = this.between(x, mask);
    var saved = region.map(function (i) { return values[i]; });
    var undo = change();
    var fixed = undo.fixed ? x : null;
    this.run(this.plan(region, fixed), values, tau, fixed);
    var result = values[target];
    for (var j = 0; j < region.length; j++) values[region[j]] = saved[j];
    undo.restore();
    return result;
  };

  // Every ancestor of the target ranked by |swing| (forced to 1 minus forced to 0), as kb.analysis.cruxes.cruxes.
  Net.prototype.cruxes = function (tau, baseline, target, top) {
    var values = baseline.slice();
    var mask = this.ancestors(target);
    var rows = [];
    for (var x = 0; x < this.size; x++) {
      if (!mask[x] || x === target || this.root[x] !== x) continue;
      var pin = function (v) {
        return function () {
          var old = values[x];
          values[x] = v;
          return { fixed: true, restore: function () { values[x] = old; } };
        };
      };
      var high = this.intervene(values, tau, x, mask, target, pin(1.0));
      var low = this.intervene(values, tau, x, mask, target, pin(0.0));
      rows.push({ index: x, id: this.ids[x], high: high, low: low, swing: high - low });
    }
    rows.sort(function (p, q) {
      return Math.abs(q.swing) - Math.abs(p.swing) || (p.id < q.id ? -1 : p.id > q.id ? 1 : 0);
    });
    return top ? rows.slice(0, top) : rows;
  };

  // Claims A and B score differently that can reach the target, each with the share of the gap that adopting
  // the other's score closes on each side and the smaller of the two: the rows of kb.analysis.cruxes.double_cruxes.
  Net.prototype.doubleCruxes = function (tauA, baseA, tauB, baseB, target, top) {
    var self = this;
    var mask = this.ancestors(target);
    var valuesA = baseA.slice(), valuesB = baseB.slice();
    var sa = valuesA[target], sb = valuesB[target], gap = sa - sb;
    var items = [];
    function adopt(values, tau, x, value) {
      return self.intervene(values, tau, x, mask, target, function () {
        var old = tau[x];
        tau[x] = value;
        return { fixed: false, restore: function () { tau[x] = old; } };
      });
    }
    for (var x = 0; x < this.size; x++) {
      if (!mask[x] || x === target || this.root[x] !== x || tauA[x] === tauB[x]) continue;
      var aAdopting = adopt(valuesA, tauA, x, tauB[x]);
      var bAdopting = adopt(valuesB, tauB, x, tauA[x]);
      var item = { index: x, id: this.ids[x], tauA: tauA[x], tauB: tauB[x], aAdopting: aAdopting,
                   bAdopting: bAdopting, closeA: null, closeB: null, score: null };
      if (Math.abs(gap) > 1e-9) {
        item.closeA = (sa - aAdopting) / gap;
        item.closeB = (bAdopting - sb) / gap;
        item.score = Math.min(item.closeA, item.closeB);
      }
      items.push(item);
    }
    items.sort(function (p, q) {
      var pn = p.score === null, qn = q.score === null;
      if (pn !== qn) return pn ? 1 : -1;
      return (q.score || 0) - (p.score || 0) || (p.id < q.id ? -1 : p.id > q.id ? 1 : 0);
    });
    return { strengthA: sa, strengthB: sb, gap: gap, items: top ? items.slice(0, top) : items };
  };

  function verdict(strength) {
    if (strength > 0.5 + 1e-9) return "accepted";
    if (strength < 0.5 - 1e-9) return "rejected";
    return "balanced";
  }

  global.KBSemantics = { Net: Net, verdict: verdict, fsum: fsum };
})(typeof window !== "undefined" ? window : this);
