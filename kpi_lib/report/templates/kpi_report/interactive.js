/* kpi_report interactive layer (inlined by index.html.j2 into pages that opt in; see
   kpi_lib.run.render). Vanilla JS, no library, no network: it only rearranges what is
   already in the page. The PDF printer runs no JS (kpi_lib.run.pdf_engine), so the PDF is the static page.

   - Every table with a header row and at least two body rows: click (or Enter/Space on) a
     header to sort by that column, again to reverse. A column whose cells are all numbers
     or n/a ("1,234", "12.3%", "¥1,234", "-5.2 pp", "3.1‰", "—") sorts as numbers; other
     columns sort as text in the page's language (Chinese by pinyin, numbers inside text
     by value). n/a ("—", "–", "-", "n/a", empty) is always last. A cell's data-sort
     attribute, when present, is its sort key. The header gets aria-sort. Trailing rows
     whose first cell is a total label (data-total-labels: "全网", "合计", …) stay last.
   - A filter box above each such table hides the rows that do not contain every typed
     word (case-insensitive); a count says how many rows are shown.
   - Images with a description (alt) show it as a tooltip (title).
   Texts come from data-* attributes of <main class="kpi-report"> (kpi_lib.i18n).
   Must contain no Jinja delimiters (it is included by the template). */
(function () {
  "use strict";
  var main = document.querySelector("main.kpi-report") || document.body;
  var lang = document.documentElement.lang || "zh-CN";
  var label = {
    filter: main.getAttribute("data-filter-label") || "Filter",
    placeholder: main.getAttribute("data-filter-placeholder") || "Filter rows",
    shown: main.getAttribute("data-filter-count") || "{shown} / {total}",
    sort: main.getAttribute("data-sort-hint") || "Click to sort"
  };
  /* A table's last rows labelled as a total ("全网", "合计", …) stay last when sorting. */
  var totals = (main.getAttribute("data-total-labels") || "").split("|").filter(Boolean);
  var collator = new Intl.Collator(lang, { numeric: true, sensitivity: "base" });
  var NA = /^(?:|[—–\-]|n\/?a|nan|none|不适用|无)$/i;
  var NUMBER = /^([+\-]?)[¥￥$€£]?([+\-]?)(\d+(?:\.\d*)?|\.\d+)(?:%|‰|pp|个百分点|x|×|倍|万|亿|元|台|天|人|家|次|批)?$/i;
  var MARKS = /[\s,\u00a0\u202f\u2009'†‡*¹²³⁴⁵⁶⁷⁸⁹⁰▲▼△▽↑↓]/g;
  var SCALE = { "万": 1e4, "亿": 1e8, "%": 1, "‰": 1 };

  function cellText(cell) {
    if (!cell) return "";
    var own = cell.getAttribute("data-sort");
    return (own !== null ? own : cell.textContent).replace(/\s+/g, " ").trim();
  }

  /* A number, null for n/a, or undefined when the text is not a number. */
  function parseNumber(text) {
    if (NA.test(text)) return null;
    var s = text.replace(/\u2212/g, "-").replace(MARKS, "");
    if (NA.test(s)) return null;
    var m = NUMBER.exec(s);
    if (!m) return undefined;
    var value = parseFloat(m[3]);
    if (m[1] === "-" || m[2] === "-") value = -value;
    var unit = s.replace(/^[^\d.]*[\d.]+/, "");
    if (SCALE[unit]) value *= SCALE[unit];
    return value;
  }

  /* The cell of `row` under grid column `col` (colspans counted). */
  function cellAt(row, col) {
    var x = 0;
    for (var i = 0; i < row.cells.length; i++) {
      var c = row.cells[i];
      var span = c.colSpan || 1;
      if (col >= x && col < x + span) return span === 1 ? c : null;
      x += span;
    }
    return null;
  }

  /* Zebra stripes over the visible rows (CSS nth-child would count the hidden ones). */
  function restripe(table) {
    var rows = table.tBodies[0].rows;
    var n = 0;
    for (var i = 0; i < rows.length; i++) {
      if (rows[i].hidden) continue;
      rows[i].classList.toggle("kpi-alt", n % 2 === 1);
      n++;
    }
  }

  function pinnedRows(table) {
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    var pinned = [];
    while (rows.length > 1 && totals.indexOf(cellText(rows[rows.length - 1].cells[0])) !== -1)
      pinned.unshift(rows.pop());
    return pinned;
  }

  function sortTable(table, th, col) {
    var body = table.tBodies[0];
    var pinned = table.kpiPinned;
    var rows = Array.prototype.slice.call(body.rows).filter(function (r) {
      return pinned.indexOf(r) === -1;
    });
    var descending = th.getAttribute("aria-sort") === "ascending";
    var keys = rows.map(function (r) { return cellText(cellAt(r, col)); });
    var nums = keys.map(parseNumber);
    var numeric = nums.every(function (v) { return v !== undefined; }) &&
      nums.some(function (v) { return v !== null; });
    var order = rows.map(function (r, i) { return i; });
    order.sort(function (a, b) {
      var ka = numeric ? nums[a] : (NA.test(keys[a]) ? null : keys[a]);
      var kb = numeric ? nums[b] : (NA.test(keys[b]) ? null : keys[b]);
      if (ka === null || kb === null) {
        if (ka === kb) return a - b;
        return ka === null ? 1 : -1;  // n/a last, whichever the direction
      }
      var d = numeric ? ka - kb : collator.compare(ka, kb);
      if (descending) d = -d;
      return d || (a - b);
    });
    order.forEach(function (i) { body.appendChild(rows[i]); });
    pinned.forEach(function (r) { body.appendChild(r); });
    var heads = table.querySelectorAll("th[data-sort-col]");
    for (var i = 0; i < heads.length; i++) heads[i].removeAttribute("aria-sort");
    th.setAttribute("aria-sort", descending ? "descending" : "ascending");
    restripe(table);
  }

  function makeSortable(table) {
    var head = table.tHead;
    var headRow = head.rows[head.rows.length - 1];
    var x = 0;
    for (var i = 0; i < headRow.cells.length; i++) {
      var th = headRow.cells[i];
      var span = th.colSpan || 1;
      if (span === 1 && th.textContent.trim() !== "") {
        th.setAttribute("data-sort-col", String(x));
        th.setAttribute("tabindex", "0");
        th.setAttribute("title", label.sort);
        th.addEventListener("click", (function (cell, col) {
          return function () { sortTable(table, cell, col); };
        })(th, x));
        th.addEventListener("keydown", function (ev) {
          if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); this.click(); }
        });
      }
      x += span;
    }
  }

  function addFilter(table) {
    var rows = table.tBodies[0].rows;
    var box = document.createElement("div");
    box.className = "kpi-filter";
    var input = document.createElement("input");
    input.type = "search";
    input.placeholder = label.placeholder;
    input.setAttribute("aria-label", label.filter);
    var count = document.createElement("span");
    count.className = "kpi-filter-count";
    count.setAttribute("aria-live", "polite");
    box.appendChild(input);
    box.appendChild(count);
    table.parentNode.insertBefore(box, table);
    input.addEventListener("input", function () {
      var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      var shown = 0;
      for (var i = 0; i < rows.length; i++) {
        var text = rows[i].textContent.toLowerCase();
        var hit = words.every(function (w) { return text.indexOf(w) !== -1; });
        rows[i].hidden = !hit;
        if (hit) shown++;
      }
      count.textContent = words.length ? label.shown.replace("{shown}", shown)
        .replace("{total}", rows.length) : "";
      restripe(table);
    });
  }

  var tables = main.querySelectorAll("table");
  for (var t = 0; t < tables.length; t++) {
    var table = tables[t];
    if (!table.tHead || !table.tHead.rows.length || table.tBodies.length !== 1 ||
        table.tBodies[0].rows.length < 2 || table.querySelector("tbody [rowspan]")) continue;
    table.classList.add("kpi-interactive");
    table.kpiPinned = pinnedRows(table);
    makeSortable(table);
    addFilter(table);
    restripe(table);
  }
  var images = main.querySelectorAll("img[alt]");
  for (var k = 0; k < images.length; k++) {
    var alt = images[k].getAttribute("alt");
    if (alt && !images[k].title && alt.indexOf("No description") !== 0) images[k].title = alt;
  }
})();
