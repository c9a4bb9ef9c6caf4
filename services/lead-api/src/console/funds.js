// edugroup console: the group's funds (集团化办学专项经费, G-17). The bureau grants its special
// fund to the group per school year and reads and exports the statement; each school's office
// budgets its own group funds and records spending against the bureau's fund (the lead
// office only, G-10) or its own budget, sees what remains per source, and reverses a mistaken
// entry. Over budget, the API's refusal (budget_exceeded) shows in the reader's language.
// Loaded before app.js, whose helpers (t, bi, api, act, fill, table, …) it calls.
'use strict';

const FUND_USES = [
  ['group_culture', '集团文化建设', 'Group culture'], ['brand_building', '品牌建设', 'Brand building'],
  ['quality_courses', '优质课程开发', 'Quality courses'], ['research_guidance', '教研指导', 'Research guidance'],
  ['joint_training', '联合培养人才', 'Joint talent training'], ['resource_sharing', '资源共享', 'Resource sharing'],
  ['characteristic_activities', '学校特色活动', 'Characteristic activities'], ['teaching_reform', '教学改革实验', 'Teaching-reform experiments'],
  ['information_management', '信息化一体管理', 'Integrated information management'], ['travel', '差旅', 'Travel'],
];
const FUND_SOURCES = { bureau: ['县教育局专项经费', "Bureau's special fund"], school: ['学校集团化办学专项经费', "School's own group funds"] };

function fundUse(key) {
  const u = FUND_USES.find(([k]) => k === key);
  return u ? bi(u[1], u[2]) : key;
}
function fundSource(key) { const s = FUND_SOURCES[key]; return s ? bi(s[0], s[1]) : key; }

// Fen as yuan, 1234567 → 12,345.67 (integers all the way: money is never a float here).
function fmtYuan(fen) {
  const n = BigInt(fen ?? 0);
  const abs = n < 0n ? -n : n;
  const whole = (abs / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${n < 0n ? '-' : ''}${whole}.${(abs % 100n).toString().padStart(2, '0')}`;
}

// Yuan as typed (12345.67) into fen, or null when it is no amount.
function parseYuan(text) {
  const m = String(text ?? '').trim().replace(/,/g, '').match(/^(\d+)(?:\.(\d{1,2}))?$/);
  if (!m) return null;
  return Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
}

async function pageFunds(groupId) {
  const claims = state.claims;
  const year = Number(new URLSearchParams(location.hash.split('?')[1]).get('year')) || schoolYearOf(today());
  const office = claims.role === 'lead_admin' || claims.role === 'member_admin';
  main().innerHTML = `<h1>${esc(bi('集团化办学专项经费', 'Group funds'))} <small class="muted">G-17</small></h1>
    <p><label>${esc(bi('学年', 'School year'))} <select id="funds-year">${yearOptions(year)}</select></label>
    <button type="button" class="secondary" id="funds-xlsx">${esc(t('export_xlsx'))}</button>
    <button type="button" class="secondary" id="funds-csv">${esc(t('export_csv'))}</button></p>
    <section class="card"><h2>${esc(bi('预算与支出', 'Budgets and spending'))}</h2><div id="funds-accounts"></div></section>
    <div id="funds-forms"></div>
    <section class="card"><h2>${esc(bi('支出明细', 'Entries'))}</h2><div id="funds-entries"></div></section>`;
  groupTrail(groupId, [`#/group/${groupId}/funds`, bi('经费', 'Funds')]);
  q('#funds-year').addEventListener('change', e => { location.hash = `#/group/${groupId}/funds?year=${e.target.value}`; });
  const file = `funds-${year}`;
  q('#funds-xlsx').addEventListener('click', e => openDocument(e.target, `/api/v1/groups/${groupId}/funds/export.xlsx?year=${year}`, `${file}.xlsx`));
  q('#funds-csv').addEventListener('click', e => openDocument(e.target, `/api/v1/groups/${groupId}/funds/export.csv?year=${year}`, `${file}.csv`));
  const names = await schools().catch(() => new Map());
  const schoolName = id => nameOf(names, id) || id;

  const load = () => fill(q('#funds-accounts'), async () => {
    const s = await api('GET', `/groups/${groupId}/funds?year=${year}`);
    fillEntries(s);
    const rows = s.accounts.map(a => [
      esc(fundSource(a.source)), esc(schoolName(a.school_id)) + (a.source === 'bureau' ? ` <small class="muted">${esc(bi('龙头学校管理', 'administered by the lead'))} G-10</small>` : ''),
      fmtYuan(a.budget_fen), fmtYuan(a.spent_fen), `<b data-testid="remaining">${fmtYuan(a.remaining_fen)}</b>`,
      esc(a.by_use.filter(u => u.amount_fen !== 0).map(u => `${fundUse(u.use)} ${fmtYuan(u.amount_fen)}`).join(';')),
    ]);
    rows.push([esc(bi('合计', 'Total')), '', fmtYuan(s.budget_fen), fmtYuan(s.spent_fen), fmtYuan(s.remaining_fen), '']);
    return table([bi('经费来源', 'Source'), t('school'), bi('预算(元)', 'Budget (yuan)'), bi('已支出(元)', 'Spent (yuan)'),
      bi('剩余(元)', 'Remaining (yuan)'), bi('按用途', 'By use')], rows, 'funds-accounts');
  });

  const fillEntries = s => {
    const own = id => office && id === claims.school_id;
    q('#funds-entries').innerHTML = table([bi('日期', 'Date'), t('school'), bi('来源', 'Source'), bi('用途', 'Use'), bi('金额(元)', 'Amount (yuan)'),
      bi('收款方', 'Payee'), bi('凭证号', 'Voucher'), t('reason'), t('actions')], s.entries.map(e => [
      fmtDate(e.spent_on), esc(schoolName(e.school_id)), esc(fundSource(e.source)), esc(fundUse(e.use)), fmtYuan(e.amount_fen),
      esc(e.payee), esc(e.voucher_no), esc(e.reason ?? (e.reversed_by ? bi('已冲销', 'reversed') : '')),
      own(e.school_id) && !e.reverses && !e.reversed_by && s.school_year === year
        ? `<div class="actions"><button type="button" class="secondary" data-reverse="${esc(e.id)}">${esc(bi('冲销', 'Reverse'))}</button></div>` : '',
    ]), 'funds-entries');
    q('#funds-entries').querySelectorAll('[data-reverse]').forEach(button => button.addEventListener('click', async () => {
      const row = button.closest('tr');
      const reason = await reasonDialog({
        title: bi('冲销支出', 'Reverse the spending'),
        facts: [[bi('金额(元)', 'Amount (yuan)'), row.cells[4].textContent], [bi('凭证号', 'Voucher'), row.cells[6].textContent]],
        confirmText: bi('冲销', 'Reverse'),
      });
      if (reason === null) return;
      const headers = { 'Idempotency-Key': idempotencyKey() };
      if (await act(button, () => api('POST', `/funds/spending/${button.dataset.reverse}/reversal`, { reason }, { headers }), t('saved'))) load();
    }));
  };

  const forms = [];
  if (claims.role === 'bureau') {
    forms.push(`<section class="card"><h2>${esc(bi('下达专项经费', 'Grant the special fund'))}</h2>
      <form id="grant-form" class="inline"><label>${esc(bi('金额(元)', 'Amount (yuan)'))}<input name="amount" required size="12" inputmode="decimal"></label>
      <label>${esc(bi('文号', 'Document'))}<input name="document_ref" required size="20"></label>
      <label>${esc(bi('备注', 'Note'))}<input name="note" size="20"></label>
      <button type="submit" id="grant-button">${esc(bi('下达', 'Grant'))}</button></form>
      <p class="muted">${esc(bi('再次下达即更正本学年总额,原记录保留。', 'A new grant corrects the year\u2019s total; the earlier one stays on record.'))}</p></section>`);
  }
  if (office) {
    const sources = claims.role === 'lead_admin' ? ['bureau', 'school'] : ['school'];
    forms.push(`<section class="card"><h2>${esc(bi('本校集团化办学经费预算', 'Our school\u2019s group funds budget'))}</h2>
      <form id="budget-form" class="inline"><label>${esc(bi('金额(元)', 'Amount (yuan)'))}<input name="amount" required size="12" inputmode="decimal"></label>
      <label>${esc(bi('文号', 'Document'))}<input name="document_ref" size="16"></label>
      <button type="submit" id="budget-button">${esc(bi('登记预算', 'Record budget'))}</button></form></section>
      <section class="card"><h2>${esc(bi('登记支出', 'Record spending'))}</h2>
      <form id="spend-form" class="inline">
      <label>${esc(bi('来源', 'Source'))}<select name="source">${sources.map(s => `<option value="${s}">${esc(fundSource(s))}</option>`).join('')}</select></label>
      <label>${esc(bi('日期', 'Date'))}<input type="date" name="spent_on" required value="${esc(today())}"></label>
      <label>${esc(bi('金额(元)', 'Amount (yuan)'))}<input name="amount" required size="10" inputmode="decimal"></label>
      <label>${esc(bi('用途', 'Use'))}<select name="use">${FUND_USES.map(([k]) => `<option value="${k}">${esc(fundUse(k))}</option>`).join('')}</select></label>
      <label>${esc(bi('收款方', 'Payee'))}<input name="payee" required size="16"></label>
      <label>${esc(bi('凭证号', 'Voucher'))}<input name="voucher_no" required size="12"></label>
      <label>${esc(bi('说明', 'Description'))}<input name="description" size="20"></label>
      <button type="submit" id="spend-button">${esc(bi('登记', 'Record'))}</button></form></section>`);
  }
  q('#funds-forms').innerHTML = forms.join('');

  // An amount typed in yuan, or a refusal beside the field before anything is sent.
  const amount = (form, button) => {
    const fen = parseYuan(form.amount.value);
    if (fen === null) {
      button.insertAdjacentHTML('afterend', refusalHtml(new Refusal(localProblem('金额须为元,最多两位小数', 'the amount is in yuan with at most two decimals', 'validation_failed'))));
    }
    return fen;
  };
  const submit = (id, button, path, body) => q(id).addEventListener('submit', async e => {
    e.preventDefault();
    const form = e.target;
    form.querySelectorAll('.refusal').forEach(n => n.remove());
    const fen = amount(form, q(button));
    if (fen === null) return;
    const headers = { 'Idempotency-Key': idempotencyKey() };
    if (await act(q(button), () => api('POST', `/groups/${groupId}/funds/${path}`, body(form, fen), { headers }), t('saved'))) load();
  });
  submit('#grant-form', '#grant-button', 'grants', (f, fen) => ({ school_year: year, amount_fen: fen, document_ref: f.document_ref.value, note: f.note.value || null }));
  submit('#budget-form', '#budget-button', 'budgets', (f, fen) => ({ school_year: year, amount_fen: fen, document_ref: f.document_ref.value || null }));
  submit('#spend-form', '#spend-button', 'spending', (f, fen) => ({
    school_year: year, source: f.source.value, spent_on: f.spent_on.value, amount_fen: fen, use: f.use.value,
    payee: f.payee.value, voucher_no: f.voucher_no.value, description: f.description.value || null,
  }));
  load();
}
