// connleak's HTML report: draws the findings of the JSON document embedded
// in the page. Text from the checked code only ever reaches the page as
// text (textContent), never as markup.
(function () {
  "use strict";

  var data = JSON.parse(document.getElementById("connleak-data").textContent);
  var main = document.getElementById("report");
  var PAGE = 200;
  var CONTEXT = 2;
  var KIND_ORDER = { step: 1, branch: 2, acquire: 3, problem: 4 };
  var state = { severity: "", lint: "", krate: "", text: "", limit: PAGE };
  var lintInfo = {};
  data.lints.forEach(function (lint) { lintInfo[lint.name] = lint; });

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function crateOf(finding) {
    var file = finding.file === null ? null : data.files[finding.file];
    return (file && file.crate) || "(no crate)";
  }

  function where(path, at) {
    return path + ":" + at.line + ":" + at.col;
  }

  // ----- summary ---------------------------------------------------------

  function countBy(key) {
    var counts = {};
    data.findings.forEach(function (finding) {
      var name = key(finding);
      var entry = counts[name] || (counts[name] = { error: 0, warning: 0 });
      entry[finding.severity === "error" ? "error" : "warning"] += 1;
    });
    return counts;
  }

  function countsTable(title, column, counts, field) {
    var section = el("section");
    section.appendChild(el("h2", null, title));
    var table = el("table", "counts");
    table.dataset.filter = field;
    var head = el("tr");
    [column, "errors", "warnings", "total"].forEach(function (name, index) {
      head.appendChild(el("th", index ? "n" : null, name));
    });
    table.appendChild(head);
    Object.keys(counts).sort().forEach(function (name) {
      var row = el("tr", "pick");
      row.dataset.value = name;
      row.title = "Show only these findings (click again for all)";
      row.appendChild(el("td", "mono", name));
      row.appendChild(el("td", "n", counts[name].error));
      row.appendChild(el("td", "n", counts[name].warning));
      row.appendChild(el("td", "n", counts[name].error + counts[name].warning));
      row.addEventListener("click", function () {
        state[field] = state[field] === name ? "" : name;
        state.limit = PAGE;
        syncControls();
        renderList();
      });
      table.appendChild(row);
    });
    if (!Object.keys(counts).length) {
      var none = el("tr");
      var cell = el("td", "empty", "none");
      cell.colSpan = 4;
      none.appendChild(cell);
      table.appendChild(none);
    }
    section.appendChild(table);
    return section;
  }

  function renderSummary() {
    var summary = el("div", "summary");
    summary.id = "summary";
    summary.appendChild(countsTable("By lint", "lint", countBy(function (f) { return f.lint; }), "lint"));
    summary.appendChild(countsTable("By crate", "crate", countBy(crateOf), "krate"));
    main.appendChild(summary);
    var hidden = [];
    if (data.hidden.in_baseline) hidden.push(data.hidden.in_baseline + " in the baseline");
    if (data.hidden.outside_changes) hidden.push(data.hidden.outside_changes + " outside the changed lines");
    if (hidden.length) main.appendChild(el("p", "meta", "Not shown: " + hidden.join(", ") + "."));
  }

  function renderErrors() {
    if (!data.errors.length) return;
    var section = el("section", "errors");
    section.id = "errors";
    section.appendChild(el("h2", null, "Files that could not be checked (" + data.errors.length + ")"));
    var list = el("ul");
    data.errors.forEach(function (error) {
      var item = el("li");
      item.appendChild(el("code", null, error.file + (error.line ? ":" + error.line : "")));
      item.appendChild(document.createTextNode(": " + error.message));
      list.appendChild(item);
    });
    section.appendChild(list);
    main.appendChild(section);
  }

  // ----- filters and the list ------------------------------------------------

  var controls = {};

  function select(name, label, values) {
    var node = el("select");
    node.setAttribute("aria-label", label);
    node.appendChild(new Option(label + ": all", ""));
    values.forEach(function (value) { node.appendChild(new Option(value, value)); });
    node.addEventListener("change", function () {
      state[name] = node.value;
      state.limit = PAGE;
      renderList();
    });
    controls[name] = node;
    return node;
  }

  function unique(values) {
    return values.filter(function (v, i) { return values.indexOf(v) === i; }).sort();
  }

  function renderFilters() {
    var bar = el("div", "filters");
    bar.id = "filters";
    bar.appendChild(select("severity", "severity", ["error", "warning"]));
    bar.appendChild(select("lint", "lint", unique(data.findings.map(function (f) { return f.lint; }))));
    bar.appendChild(select("krate", "crate", unique(data.findings.map(crateOf))));
    var search = el("input");
    search.type = "search";
    search.placeholder = "Search messages and files";
    search.setAttribute("aria-label", "search");
    search.addEventListener("input", function () {
      state.text = search.value.toLowerCase();
      state.limit = PAGE;
      renderList();
    });
    controls.text = search;
    bar.appendChild(search);
    var shown = el("span", "shown");
    shown.id = "shown";
    bar.appendChild(shown);
    main.appendChild(el("h2", null, "Findings"));
    main.appendChild(bar);
  }

  function syncControls() {
    ["severity", "lint", "krate"].forEach(function (name) { controls[name].value = state[name]; });
    document.querySelectorAll("table.counts").forEach(function (table) {
      var field = table.dataset.filter;
      table.querySelectorAll("tr.pick").forEach(function (row) {
        row.classList.toggle("chosen", state[field] === row.dataset.value);
      });
    });
  }

  function matches(finding) {
    if (state.severity && finding.severity !== state.severity) return false;
    if (state.lint && finding.lint !== state.lint) return false;
    if (state.krate && crateOf(finding) !== state.krate) return false;
    if (state.text) {
      var hay = (finding.message + " " + finding.path + " " + finding.lint).toLowerCase();
      if (hay.indexOf(state.text) < 0) return false;
    }
    return true;
  }

  var list = el("div");
  list.id = "findings";
  var more = el("button", "more");
  more.type = "button";
  more.addEventListener("click", function () {
    state.limit += PAGE;
    renderList();
  });

  function renderList() {
    syncControls();
    var chosen = [];
    data.findings.forEach(function (finding, index) {
      if (matches(finding)) chosen.push(index);
    });
    list.textContent = "";
    chosen.slice(0, state.limit).forEach(function (index) {
      list.appendChild(findingRow(index));
    });
    if (!data.findings.length) list.appendChild(el("p", "empty", "No findings."));
    else if (!chosen.length) list.appendChild(el("p", "empty", "No finding matches the filters."));
    var shownCount = Math.min(chosen.length, state.limit);
    document.getElementById("shown").textContent =
      "showing " + shownCount + " of " + chosen.length +
      (chosen.length === data.findings.length ? "" : " (" + data.findings.length + " in all)");
    var left = chosen.length - shownCount;
    more.hidden = left <= 0;
    more.textContent = "Show " + Math.min(left, PAGE) + " more (" + left + " not shown)";
  }

  function findingRow(index) {
    var finding = data.findings[index];
    var row = el("details", "finding sev-" + finding.severity);
    row.id = "f" + index;
    var summary = el("summary");
    summary.appendChild(el("span", "badge sev", finding.severity));
    summary.appendChild(el("span", "lint mono", "[" + finding.lint + "]"));
    summary.appendChild(el("span", "message", finding.message));
    if (finding.fix) {
      var machine = finding.fix.applicability === "machine-applicable";
      summary.appendChild(el("span", "badge " + (machine ? "fixable" : "suggestion"),
        machine ? "fixable" : "suggestion"));
    }
    if (finding.test) summary.appendChild(el("span", "badge test", "test code"));
    summary.appendChild(el("span", "where mono", where(finding.path, finding.at)));
    row.appendChild(summary);
    row.addEventListener("toggle", function () {
      if (row.open && !row.dataset.drawn) {
        row.dataset.drawn = "1";
        row.appendChild(findingBody(finding));
      }
    });
    return row;
  }

  // ----- one finding -------------------------------------------------------

  function findingBody(finding) {
    var body = el("div", "body");
    var label = el("p", "label");
    label.appendChild(el("b", null, finding.label));
    if (finding.acquired) {
      label.appendChild(document.createTextNode(" \u2014 " + finding.acquired.label + " at "));
      label.appendChild(el("code", null, where(finding.acquired.path, finding.acquired.at)));
    }
    body.appendChild(label);
    drawPath(body, finding);
    if (finding.help) {
      var help = el("p", "help");
      help.appendChild(el("b", null, "help: "));
      help.appendChild(document.createTextNode(finding.help));
      body.appendChild(help);
    }
    if (finding.fix) body.appendChild(fixBox(finding.fix));
    body.appendChild(docsBox(finding.lint));
    body.appendChild(el("div", "fingerprint mono", "fingerprint " + finding.fingerprint));
    return body;
  }

  // The steps, grouped by file in the order the path first reaches each.
  function stepsByFile(finding) {
    var steps = finding.steps.map(function (step, index) {
      return { file: step.file, path: step.path, at: step.at, note: step.note, kind: step.kind, num: index + 1 };
    });
    if (!steps.length) {
      steps.push({ file: finding.file, path: finding.path, at: finding.at, note: finding.label, kind: "problem", num: 1 });
    }
    var groups = [];
    steps.forEach(function (step) {
      var group = groups.filter(function (g) { return g.file === step.file && g.path === step.path; })[0];
      if (!group) {
        group = { file: step.file, path: step.path, steps: [] };
        groups.push(group);
      }
      group.steps.push(step);
    });
    return groups;
  }

  function drawPath(body, finding) {
    stepsByFile(finding).forEach(function (group) {
      body.appendChild(el("div", "file-head mono", group.path));
      var file = group.file === null ? null : data.files[group.file];
      if (!file || file.hidden) {
        body.appendChild(el("p", "elsewhere",
          "The source is not shown: this file lies outside the repository."));
        group.steps.forEach(function (step) {
          var line = el("p", "elsewhere");
          line.appendChild(el("span", "num k-" + step.kind, step.num));
          line.appendChild(document.createTextNode("line " + step.at.line + ": " + step.note));
          body.appendChild(line);
        });
        return;
      }
      body.appendChild(sourceTable(file, group.steps));
    });
  }

  // Lines to show: context around each step, as far as the page has them.
  function shownLines(file, steps) {
    var wanted = {};
    steps.forEach(function (step) {
      var last = Math.min(step.at.end_line, step.at.line + 40);
      for (var line = Math.max(1, step.at.line - CONTEXT); line <= last + CONTEXT; line++) {
        if (file.lines[line] !== undefined) wanted[line] = true;
      }
    });
    var lines = Object.keys(wanted).map(Number).sort(function (a, b) { return a - b; });
    // Fill a gap the page has every line of: the rail stays unbroken.
    var filled = [];
    lines.forEach(function (line, index) {
      if (index > 0) {
        for (var between = lines[index - 1] + 1; between < line; between++) {
          if (file.lines[between] !== undefined) filled.push(between); else break;
        }
      }
      filled.push(line);
    });
    return filled.filter(function (v, i) { return filled.indexOf(v) === i; }).sort(function (a, b) { return a - b; });
  }

  function sourceTable(file, steps) {
    var table = el("table", "source mono");
    var lines = shownLines(file, steps);
    var first = Infinity;
    var last = -Infinity;
    steps.forEach(function (step) {
      first = Math.min(first, step.at.line);
      last = Math.max(last, step.at.line);
    });
    var rows = [];
    lines.forEach(function (line, index) {
      if (index > 0 && line > lines[index - 1] + 1) {
        rows.push({ fold: line - lines[index - 1] - 1, line: line - 0.5 });
      }
      rows.push({ line: line });
    });
    rows.forEach(function (row) {
      var tr = el("tr");
      var railClass = "rail";
      var inside = row.line > first && row.line < last;
      if (row.line === first && row.line === last) railClass += " start end";
      else if (row.line === first) railClass += " start";
      else if (row.line === last) railClass += " end";
      else if (inside) railClass += " on";
      if (row.fold !== undefined) {
        tr.className = "fold";
        tr.appendChild(el("td", "ln", "\u22EE"));
        tr.appendChild(el("td", inside ? "rail on" : "rail"));
        tr.appendChild(el("td", "code", row.fold + (row.fold === 1 ? " line" : " lines") + " not shown"));
        table.appendChild(tr);
        return;
      }
      var here = steps.filter(function (step) { return step.at.line === row.line; });
      var text = file.lines[row.line];
      if (here.length) tr.className = "stepline";
      tr.appendChild(el("td", "ln", row.line));
      var rail = el("td", railClass);
      here.forEach(function (step) { rail.appendChild(el("span", "num k-" + step.kind, step.num)); });
      tr.appendChild(rail);
      tr.appendChild(codeCell(text, row.line, here));
      table.appendChild(tr);
      here.forEach(function (step) {
        var note = el("tr", "note k-" + step.kind);
        note.appendChild(el("td", "ln"));
        var noteRail = row.line >= first && row.line < last ? "rail on" : "rail";
        note.appendChild(el("td", noteRail));
        var cell = el("td", "code");
        var pad = Math.max(0, Math.min(step.at.col - 1, 80));
        cell.appendChild(document.createTextNode(new Array(pad + 1).join(" ")));
        cell.appendChild(el("span", "num k-" + step.kind, step.num));
        cell.appendChild(document.createTextNode(step.note));
        note.appendChild(cell);
        table.appendChild(note);
      });
    });
    return table;
  }

  // A line of code with the steps' spans marked, the strongest kind on top.
  function codeCell(text, line, steps) {
    var cell = el("td", "code");
    var chars = Array.from(text);
    var kinds = new Array(chars.length);
    steps.forEach(function (step) {
      var from = step.at.col - 1;
      var to = step.at.end_line === line ? step.at.end_col - 1 : chars.length;
      if (to <= from) to = from + 1;
      for (var i = Math.max(0, from); i < Math.min(to, chars.length); i++) {
        if (!kinds[i] || KIND_ORDER[step.kind] > KIND_ORDER[kinds[i]]) kinds[i] = step.kind;
      }
    });
    var start = 0;
    for (var i = 1; i <= chars.length; i++) {
      if (i === chars.length || kinds[i] !== kinds[start]) {
        var piece = chars.slice(start, i).join("");
        if (kinds[start]) cell.appendChild(el("span", "mark k-" + kinds[start], piece));
        else cell.appendChild(document.createTextNode(piece));
        start = i;
      }
    }
    if (!chars.length) cell.appendChild(document.createTextNode(" "));
    return cell;
  }

  function fixBox(fix) {
    var box = el("div", "fix " + fix.applicability);
    var head = el("p");
    head.appendChild(el("b", null, "suggested fix: "));
    head.appendChild(document.createTextNode(fix.message));
    head.appendChild(el("span", "meta",
      fix.applicability === "machine-applicable"
        ? " (certain: cargo connleak --fix applies it)"
        : " (check it before applying: --fix leaves it to you)"));
    box.appendChild(head);
    fix.edits.forEach(function (edit) {
      box.appendChild(el("div", "mono meta", edit.path + ":" + edit.at.line));
      var pre = el("pre");
      if (edit.removed) {
        edit.removed.replace(/\n$/, "").split("\n").forEach(function (line) {
          pre.appendChild(el("div", "del", "- " + line));
        });
      }
      if (edit.inserted) {
        edit.inserted.replace(/\r?\n$/, "").split(/\r?\n/).forEach(function (line) {
          pre.appendChild(el("div", "ins", "+ " + line));
        });
      }
      box.appendChild(pre);
    });
    return box;
  }

  function docsBox(name) {
    var info = lintInfo[name] || { level: "", url: "", summary: "" };
    var box = el("details", "docs");
    box.appendChild(el("summary", null, "About " + name + " (" + info.level + " by default)"));
    box.addEventListener("toggle", function () {
      if (!box.open || box.dataset.drawn) return;
      box.dataset.drawn = "1";
      var doc = el("div", "doc");
      var template = document.getElementById("docs-" + name);
      if (template) doc.appendChild(template.content.cloneNode(true));
      var link = el("p");
      var anchor = el("a", null, info.url);
      anchor.href = info.url;
      anchor.rel = "noopener noreferrer";
      link.appendChild(document.createTextNode("Online: "));
      link.appendChild(anchor);
      doc.appendChild(link);
      box.appendChild(doc);
    });
    return box;
  }

  // ----- start -------------------------------------------------------------

  renderSummary();
  renderErrors();
  renderFilters();
  main.appendChild(list);
  main.appendChild(more);
  renderList();

  // `report.html#f3` opens finding 3 (counted from 0, in report order).
  function openFromHash() {
    var match = /^#f(\d+)$/.exec(location.hash);
    if (!match) return;
    var index = Number(match[1]);
    if (index >= data.findings.length) return;
    state.severity = state.lint = state.krate = state.text = "";
    controls.text.value = "";
    state.limit = Math.max(state.limit, index + 1);
    renderList();
    var row = document.getElementById("f" + index);
    if (row) {
      row.open = true;
      row.dispatchEvent(new Event("toggle"));
      row.scrollIntoView();
    }
  }
  window.addEventListener("hashchange", openFromHash);
  openFromHash();
  document.body.dataset.ready = "1";
})();
