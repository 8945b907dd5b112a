(function () {
  "use strict";
  // Tables that sort (click or Enter on a header), filter (text, all columns or one) and,
  // when long, show their first rows until "show all". A row the filter leaves out gets
  // the hidden attribute; a row past the limit gets the class "beyond". The count says how
  // many rows are shown, on screen and on paper alike.
  var lang = document.documentElement.lang || "en";
  var collator = new Intl.Collator(lang, { numeric: true, sensitivity: "base" });
  var numbers = new Intl.NumberFormat(lang);
  var each = function (list, fn) { Array.prototype.forEach.call(list, fn); };

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (all, name) {
      return name in values ? numbers.format(values[name]) : all;
    });
  }

  // A cell's sort key: a number, a string, or null (unknown or empty: always last).
  function key(cell) {
    var s = cell.getAttribute("data-sort");
    if (s === null) { s = cell.textContent.trim(); return s === "" ? null : s; }
    if (s === "") { return null; }
    var n = Number(s);
    return isNaN(n) ? s : n;
  }

  function compare(x, y) {
    if (typeof x === "number" && typeof y === "number") { return x - y; }
    if (typeof x === "number") { return -1; }
    if (typeof y === "number") { return 1; }
    return collator.compare(x, y);
  }

  function Grid(table, bar) {
    this.table = table;
    this.body = table.tBodies[0];
    this.items = Array.prototype.map.call(this.body.rows, function (row) {
      var cells = Array.prototype.map.call(row.cells, function (c) {
        return c.textContent.toLowerCase();
      });
      return { row: row, cells: cells, all: cells.join("\n") };
    });
    this.limit = bar ? parseInt(bar.getAttribute("data-limit"), 10) : Infinity;
    this.count = bar ? bar.querySelector(".count") : null;
    this.more = document.querySelector('button.more[data-table="' + table.id + '"]');
    this.query = "";
    this.column = -1;
    this.showAll = false;
  }

  Grid.prototype.sort = function (index, th) {
    var asc = th.getAttribute("aria-sort") !== "ascending";
    each(this.table.tHead.rows[0].cells, function (c) { c.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", asc ? "ascending" : "descending");
    var keyed = this.items.map(function (item, i) {
      return { item: item, key: key(item.row.cells[index]), i: i };
    });
    keyed.sort(function (a, b) {
      if (a.key === null || b.key === null) {
        return a.key === b.key ? a.i - b.i : (a.key === null ? 1 : -1);
      }
      var r = compare(a.key, b.key);
      return (asc ? r : -r) || a.i - b.i;
    });
    this.items = keyed.map(function (k) { return k.item; });
    var body = this.body;
    var rows = document.createDocumentFragment();
    this.items.forEach(function (item) { rows.appendChild(item.row); });
    body.appendChild(rows);
    this.update();
  };

  Grid.prototype.update = function () {
    var q = this.query, col = this.column, limit = this.showAll ? Infinity : this.limit;
    var matched = 0;
    this.items.forEach(function (item) {
      var text = col < 0 ? item.all : (item.cells[col] || "");
      var match = q === "" || text.indexOf(q) >= 0;
      item.row.hidden = !match;
      if (match) { matched += 1; }
      item.row.classList.toggle("beyond", match && matched > limit);
    });
    var total = this.items.length, shown = Math.min(matched, limit);
    if (this.count) {
      this.count.textContent = shown === total
        ? fill(this.count.getAttribute("data-all"), { count: total })
        : fill(this.count.getAttribute("data-some"), { shown: shown, count: total });
    }
    if (this.more) {
      this.more.textContent = fill(this.more.getAttribute("data-text"), { count: matched });
      this.more.parentNode.hidden = matched <= limit;
    }
  };

  function setUp(table) {
    var bar = document.querySelector('.toolbar[data-table="' + table.id + '"]');
    var grid = new Grid(table, bar);
    each(table.tHead.rows[0].cells, function (th, i) {
      th.tabIndex = 0;
      th.classList.add("sortable");
      th.addEventListener("click", function () { grid.sort(i, th); });
      th.addEventListener("keydown", function (e) {
        if (e.key === "Enter" || e.key === " ") { e.preventDefault(); grid.sort(i, th); }
      });
    });
    if (!bar) { return; }
    var controls = bar.querySelector(".controls");
    if (controls) {
      var input = controls.querySelector("input.filter");
      var select = controls.querySelector("select.column");
      controls.hidden = false;
      input.addEventListener("input", function () {
        grid.query = input.value.trim().toLowerCase();
        grid.update();
      });
      select.addEventListener("change", function () {
        grid.column = parseInt(select.value, 10);
        grid.update();
      });
    }
    if (grid.more) {
      grid.more.addEventListener("click", function () {
        grid.showAll = true;
        grid.update();
      });
    }
    grid.update();
  }

  function start() {
    each(document.querySelectorAll("table.data"), setUp);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
