// edugroup console: names for codes people read. Periods as the school calendar names them
// (2026—2027学年第一学期, 2026年3月, 2026年第一季度) and counties by name, from the API's
// table (GET /api/v1/regions/{code}). Loaded before app.js, whose helpers it calls.
'use strict';

const QUARTERS_ZH = ['一', '二', '三', '四'];

// An obligation or report period as written in the API (2026-03, 2026-Q1 or 2026Q1,
// 2026-autumn, 2027-spring, 2026), as people say it; anything else as it came. A semester is
// written with the calendar year it starts in: 2027-spring belongs to the 2026—2027 year.
function fmtPeriod(period) {
  const p = String(period ?? '');
  let m;
  if ((m = p.match(/^(\d{4})-(autumn|spring)$/))) return fmtTerm(Number(m[1]) - (m[2] === 'spring' ? 1 : 0), m[2]);
  if ((m = p.match(/^(\d{4})-?Q([1-4])$/))) return bi(`${m[1]}年第${QUARTERS_ZH[Number(m[2]) - 1]}季度`, `Q${m[2]} ${m[1]}`);
  if ((m = p.match(/^(\d{4})-(\d{2})$/))) {
    const month = Number(m[2]);
    return bi(`${m[1]}年${month}月`, new Date(Date.UTC(Number(m[1]), month - 1, 1)).toLocaleDateString('en', { month: 'long', year: 'numeric', timeZone: 'UTC' }));
  }
  if (/^\d{4}$/.test(p)) return fmtYear(Number(p));
  return p;
}

const regionNames = new Map();

// The county's name, asked once per code; its code when the API does not answer.
function regionName(code) {
  if (!regionNames.has(code)) {
    regionNames.set(code, api('GET', `/regions/${encodeURIComponent(code)}`).then(r => r.region_name).catch(() => code));
  }
  return regionNames.get(code);
}

let regionSpans = 0;

// A county in running text: its code at once, its name as soon as the API gives it (the code
// stays in the title for whoever needs it).
function regionHtml(code) {
  const id = `region-name-${++regionSpans}`;
  regionName(code).then(name => {
    const el = document.getElementById(id);
    if (el) el.textContent = name;
  });
  return `<span id="${id}" class="region-name" title="${esc(code)}" data-testid="region-name">${esc(code)}</span>`;
}

// A person a record names by token subject: the reader's own name when it is the reader,
// else the subject as recorded (the records keep no other name).
function personName(sub) {
  return sub && sub === state.claims?.sub && state.claims.name ? state.claims.name : (sub ?? '');
}
