// edugroup console: what every list and every page below the top level carries — a total,
// a filter over the rows once a list is long, a CSV export of the rows as shown (names and
// Chinese labels, never ids) and breadcrumbs back up. Loaded before app.js, whose helpers
// (t, bi, esc, …) it calls once a page runs.
'use strict';

// A list longer than this gets a filter box.
const FILTER_FROM_ROWS = 8;

// The bar above a list: its total, a filter when it is long, the export. `paged`: the rows are
// one page whose pager says the total; `total`: how many the API has, when more than shown.
function listTools(testid, count, { paged = false, total } = {}) {
  const [before, after] = total > count ? [bi('显示', 'Showing'), bi(`条,共 ${total} 条`, `of ${total}`)]
    : paged ? [bi('本页', 'On this page'), bi('条', 'rows')] : [bi('共', 'In all'), bi('条', 'rows')];
  const filter = count > FILTER_FROM_ROWS
    ? `<label class="filter">${esc(bi('筛选', 'Filter'))}<input type="search" data-filter-for="${esc(testid)}" autocomplete="off"></label>`
    : '';
  return `<div class="list-tools">` +
    `<span class="muted">${esc(before)} <b data-count-for="${esc(testid)}" data-all="${count}">${count}</b> ${esc(after)}</span>` +
    filter +
    `<button type="button" class="secondary small" data-export="${esc(testid)}">${esc(bi('导出 CSV', 'Export CSV'))}</button></div>`;
}

// The newest `limit` items of a list the API answers oldest first (a group's meetings), with
// the API's total: a group that has met for years shows its latest meetings, not its first.
async function newest(path, limit = 100) {
  const sep = path.includes('?') ? '&' : '?';
  const first = await api('GET', `${path}${sep}limit=${limit}`);
  if (first.total <= first.items.length) return first;
  return api('GET', `${path}${sep}limit=${limit}&offset=${first.total - limit}`);
}

// What a cell says to a reader: its text and what is typed or chosen in its fields, without
// its buttons.
function cellText(cell) {
  const typed = [...cell.querySelectorAll('input:not([type=file]):not([type=checkbox]):not([type=radio]):not([type=hidden]), textarea')].map(el => el.value);
  const chosen = [...cell.querySelectorAll('select')].map(el => el.selectedOptions[0]?.textContent ?? '');
  const copy = cell.cloneNode(true);
  copy.querySelectorAll('button, input, select, textarea').forEach(el => el.remove());
  return [copy.textContent, ...typed, ...chosen].join(' ').replace(/\s+/g, ' ').trim();
}

// The same rule as the server's exports (OWASP, "CSV Injection"): a cell a spreadsheet would
// run as a formula is kept as text; numbers, negative ones too, stay numbers.
function spreadsheetCell(text) {
  const isNumber = /^[+-]?\d+(\.\d+)?$/.test(text);
  const safe = /^[=+\-@\t\r]/.test(text) && !isNumber ? `'${text}` : text;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

// The rows a reader sees (a filter hides the others) as CSV; columns without a heading
// (actions) are left out.
function tableCsv(tableEl) {
  const heads = [...tableEl.querySelectorAll('thead th')].map(th => th.textContent.trim());
  const keep = heads.map((h, i) => (h ? i : -1)).filter(i => i >= 0);
  const rows = [...tableEl.querySelectorAll('tbody tr')].filter(tr => !tr.hidden)
    .map(tr => [...tr.children].map(cellText));
  return '\ufeff' + [heads, ...rows].map(r => keep.map(i => spreadsheetCell(r[i] ?? '')).join(',')).join('\r\n') + '\r\n';
}

// Hands an object URL to the browser: saved as `fileName`, or opened in a new tab without one.
function handOver(url, fileName) {
  const a = document.createElement('a');
  a.href = url;
  if (fileName) a.download = fileName; else a.target = '_blank';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

// The file is named after the page and the list, and the day it was taken.
function exportName(testid) {
  const heading = document.querySelector('main h1')?.textContent.trim() || 'edugroup';
  return `${heading}-${testid}-${today()}.csv`.replace(/[\\/:*?"<>|\s]+/g, '_');
}

document.addEventListener('click', e => {
  const button = e.target.closest('button[data-export]');
  if (!button) return;
  const tableEl = document.querySelector(`table[data-testid="${CSS.escape(button.dataset.export)}"]`);
  if (tableEl) handOver(URL.createObjectURL(new Blob([tableCsv(tableEl)], { type: 'text/csv;charset=utf-8' })), exportName(button.dataset.export));
});

document.addEventListener('input', e => {
  const box = e.target.closest('input[data-filter-for]');
  if (!box) return;
  const id = box.dataset.filterFor;
  const words = box.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
  let shown = 0;
  document.querySelectorAll(`table[data-testid="${CSS.escape(id)}"] tbody tr`).forEach(tr => {
    const text = tr.textContent.toLowerCase();
    tr.hidden = !words.every(w => text.includes(w));
    if (!tr.hidden) shown += 1;
  });
  const count = document.querySelector(`[data-count-for="${CSS.escape(id)}"]`);
  if (count) count.textContent = words.length ? `${shown} / ${count.dataset.all}` : count.dataset.all;
});

// Breadcrumbs: the way back up from a page below the top level. `steps` are [href, label];
// the last is the page itself, whose href must be the page's own (a trail that arrives after
// the reader has moved on is dropped). A single step is no trail.
function crumbsHtml(steps) {
  const items = steps.map(([href, label], i) => (i === steps.length - 1
    ? `<li aria-current="page">${esc(label)}</li>`
    : `<li><a href="${esc(href)}">${esc(label)}</a></li>`));
  return `<nav class="crumbs" aria-label="${esc(bi('当前位置', 'Breadcrumb'))}" data-testid="crumbs"><ol>${items.join('')}</ol></nav>`;
}
function showCrumbs(steps) {
  if (steps.length < 2 || location.hash.split('?')[0] !== steps[steps.length - 1][0]) return;
  const el = main();
  el.querySelector(':scope > nav.crumbs')?.remove();
  el.insertAdjacentHTML('afterbegin', crumbsHtml(steps));
}

// The trail of a group's page: the county (bureau, auditor) or the school's home (a member
// office, a teacher), the group's home (the lead office's own home), then `tail`.
async function groupTrail(groupId, ...tail) {
  const role = state.claims?.role;
  const top = role === 'bureau' || role === 'auditor' ? [['#/county', t('county')]]
    : role === 'lead_admin' ? [] : [['#/school', t('school_home')]];
  const name = await api('GET', `/groups/${groupId}`).then(g => g.name).catch(() => t('group_home'));
  showCrumbs([...top, [`#/group/${groupId}`, name], ...tail]);
}
