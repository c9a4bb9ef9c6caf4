// edugroup console: the bureau's annual evaluation (年度考核评估). The year's data entered per
// school in a grid (or imported from an XLSX sheet) with what is still missing, rounds listed
// from the API, a round opened as a draft, recomputed after a correction and completed once
// the bureau confirms what completing does; scorecards where missing data reads as no data.
// Loaded before app.js; its helpers (t, bi, api, act, fill, …) are called only once pages run.
'use strict';

const EVAL_WORDS = {
  zh: {
    data_entry: '考核数据录入', data_hint: '每行一所学校,修改后点击该行的“保存”;均衡数据八项须一并填写。开启考核前请补齐缺项。',
    completeness: '数据完整情况', complete_word: '完整', missing_word: '缺', no_data: '无数据', saved_row: '已保存',
    import_xlsx: '从 Excel 导入', import_hint: '第一行为表头:学校(校名或编号)、质量得分、在校生数、高于规定学历教师数、县级及以上骨干教师数、体育艺术专任教师数、教学及辅助用房面积、体育运动场馆面积、教学仪器设备值、网络多媒体教室数。全部行无误才导入。',
    imported: '已导入', scored_items: '教育局评分项(附佐证)', save: '保存', state: '状态', completed_at: '完成时间', groups_count: '集团数',
    draft_banner: '这是考核草稿:结果不是最终结果,数据未锁定,考核结果运用事项不能确认。修正数据后可“重新计算”,核对无误后“确认完成”。',
    completed_banner: '本轮考核已完成:等级为最终结果,本学年相关数据已锁定,可确认考核结果运用事项。',
    open_hint: '开启后生成考核草稿:不锁定数据、结果不生效;可修正数据后重新计算,确认完成后才成为最终结果。',
    recompute: '重新计算', complete_round: '确认完成', draft_open: '打开已有草稿', enter_data: '录入考核数据',
    complete_confirm: '确认完成本轮考核?\n\n完成后:\n· 本轮各集团本学年的考核数据将被锁定,不能再修改;\n· 各集团的总分和等级成为最终结果,不能重新计算;\n· 考核结果运用事项(奖励、警告、成员校退出、集团撤销)此后可由教育局确认。',
    consequences_wait: '本轮考核仍为草稿,确认完成后方可决定考核结果运用事项。',
  },
  en: {
    data_entry: 'Evaluation data', data_hint: 'One row per school; change it and press its Save. The eight balance figures go together. Fill the gaps before opening a round.',
    completeness: 'Completeness', complete_word: 'complete', missing_word: 'missing', no_data: 'no data', saved_row: 'Saved',
    import_xlsx: 'Import from Excel', import_hint: 'First row headers: 学校 (name or id), 质量得分, 在校生数, 高于规定学历教师数, 县级及以上骨干教师数, 体育艺术专任教师数, 教学及辅助用房面积, 体育运动场馆面积, 教学仪器设备值, 网络多媒体教室数. Nothing is imported unless every row is right.',
    imported: 'Imported', scored_items: "The bureau's scored items (with evidence)", save: 'Save', state: 'State', completed_at: 'Completed', groups_count: 'Groups',
    draft_banner: 'This round is a draft: its results are not final, no data is locked and no consequence can be confirmed. Correct the data and recompute, then complete it.',
    completed_banner: "This round is completed: the grades are final, the year's data is locked, and its consequences can be confirmed.",
    open_hint: 'Opening computes a draft: nothing is locked or final; recompute it after correcting the data, and complete it to make it final.',
    recompute: 'Recompute', complete_round: 'Complete round', draft_open: 'Open the existing draft', enter_data: 'Enter evaluation data',
    complete_confirm: "Complete this round?\n\nOnce completed:\n· the year's evaluation data of its groups is locked and can no longer change;\n· each group's total and grade are final and cannot be recomputed;\n· the bureau can then confirm the consequences (rewards, warnings, member exits, dissolutions).",
    consequences_wait: 'This round is still a draft: its consequences are decided once it is completed.',
  },
};
function et(key) { return EVAL_WORDS[state.lang][key] ?? EVAL_WORDS.zh[key] ?? t(key); }

const ROUND_STATE = { draft: ['草稿', 'draft'], completed: ['已完成', 'completed'] };
function stateBadge(value) {
  const [zh, english] = ROUND_STATE[value] ?? [value, value];
  return `<span class="badge ${value === 'completed' ? 'met' : 'draft'}" data-state="${esc(value)}">${esc(bi(zh, english))}</span>`;
}
function noData() { return `<span class="badge nodata">${esc(et('no_data'))}</span>`; }

// The figures of a school's yearly data: [key, 中文, English, whole number].
const DATA_FIELDS = [
  ['quality_score', '质量得分', 'quality score', false], ['enrolment', '在校生数', 'enrolment', true],
  ['teachers_above_degree', '高于规定学历教师数', 'teachers above degree', true], ['backbone_teachers', '县级及以上骨干教师数', 'backbone teachers', true],
  ['pe_art_teachers', '体育艺术专任教师数', 'PE and art teachers', true], ['teaching_area_m2', '教学及辅助用房面积(m²)', 'teaching area m²', false],
  ['sports_area_m2', '体育运动场馆面积(m²)', 'sports area m²', false], ['equipment_value_yuan', '教学仪器设备值(元)', 'equipment value (yuan)', false],
  ['multimedia_rooms', '网络多媒体教室数', 'multimedia rooms', true],
];
const BALANCE_KEYS = DATA_FIELDS.slice(1).map(f => f[0]);
const SCORED_DIMENSIONS = ['group_model', 'group_size', 'management_innovation', 'research_linkage', 'outcomes'];

// A school's data as grid values (null where nothing was entered).
function dataValues(d) {
  const v = { quality_score: d?.quality_score ?? null };
  for (const k of BALANCE_KEYS) v[k] = d?.balance?.[k] ?? null;
  return v;
}
function missingOf(v) { return DATA_FIELDS.filter(([k]) => v[k] == null).map(([, zh, english]) => bi(zh, english)); }

// ---------------------------------------------------------------- rounds

async function pageEvaluation() {
  const last = schoolYearOf(today()) - 1;
  const bureau = state.claims.role === 'bureau';
  main().innerHTML = `<h1>${esc(t('evaluation'))}</h1>
    ${bureau ? `<section class="card"><h2>${esc(t('open_round'))}</h2><p class="muted">${esc(et('open_hint'))}</p>
      <p><a href="#/evaluation/data" id="to-data">${esc(et('enter_data'))} →</a></p>
      <form id="round-form" class="inline">
      <label>${esc(t('year'))}<select name="school_year" id="round-year">${[last - 1, last, last + 1].map(y => `<option value="${y}"${y === last ? ' selected' : ''}>${esc(fmtYear(y))}</option>`).join('')}</select></label>
      <button type="submit" id="round-open">${esc(t('open_round'))}</button></form></section>` : ''}
    <section class="card"><h2>${esc(t('rounds'))}</h2><div id="round-list">${esc(t('loading'))}</div></section>`;
  fill(q('#round-list'), async () => {
    const page = await api('GET', '/evaluation-rounds?limit=50');
    return table([t('year'), et('state'), t('status'), et('groups_count'), t('opened_at'), et('completed_at'), ''], page.items.map(r => [
      esc(fmtYear(r.school_year)), stateBadge(r.state), esc(r.status), String(r.groups), fmtDate(r.opened_at), r.completed_at ? fmtDate(r.completed_at) : '—',
      `<a href="#/evaluation/${r.id}">${esc(t('open'))}</a>`]), 'rounds', { total: page.total });
  });
  const form = document.querySelector('#round-form');
  if (!form) return;
  form.addEventListener('submit', async e => {
    e.preventDefault();
    let round = null;
    const body = { school_year: Number(form.elements.school_year.value) };
    const opened = await act(q('#round-open'), async () => {
      round = await api('POST', '/evaluation-rounds', body, { headers: { 'Idempotency-Key': idempotencyKey() } });
    });
    if (opened) { location.hash = `#/evaluation/${round.id}`; return; }
    // V-03: a draft of the year exists: lead to it
    const refusal = form.querySelector('.refusal[data-code="evaluation_draft_exists"]');
    if (!refusal) return;
    const page = await api('GET', `/evaluation-rounds?school_year=${body.school_year}&status=draft&limit=1`).catch(() => null);
    const id = page?.items?.[0]?.id;
    if (id) refusal.insertAdjacentHTML('beforeend', `<a href="#/evaluation/${id}" id="draft-link">${esc(et('draft_open'))} →</a>`);
  });
}

async function pageRound(roundId) {
  main().innerHTML = `<div id="round">${esc(t('loading'))}</div>`;
  const bureau = state.claims.role === 'bureau';
  let round = null;
  const shown = await fill(q('#round'), async () => {
    let groups;
    [round, groups] = await Promise.all([api('GET', `/evaluation-rounds/${roundId}`), groupNames().catch(() => new Map())]);
    // a round is computed in the background after it opens: poll while this page is shown
    while (round.status === 'computing' && document.querySelector('#round')) {
      await new Promise(resolve => setTimeout(resolve, 1000));
      round = await api('GET', `/evaluation-rounds/${roundId}`);
    }
    if (round.status === 'failed') throw new Refusal(round.failure, 409);
    const draft = round.state === 'draft';
    return `${crumbsHtml([['#/evaluation', t('evaluation')], ['', fmtYear(round.school_year)]])}
      <h1 data-testid="round-title">${esc(t('round'))} · ${esc(fmtYear(round.school_year))} ${stateBadge(round.state)}</h1>
      <p class="banner" data-testid="round-banner">${esc(et(draft ? 'draft_banner' : 'completed_banner'))}</p>
      <p class="muted">${esc(t('opened_at'))} ${fmtDate(round.opened_at)} · ${esc(personName(round.opened_by))} · ${esc(t('policy_version'))} ${round.policy_version}${round.completed_at ? ` · ${esc(et('completed_at'))} ${fmtDate(round.completed_at)} · ${esc(personName(round.completed_by))}` : ''}</p>
      <div class="actions">${bureau && draft ? `<button type="button" class="secondary" id="round-recompute">${esc(et('recompute'))}</button><button type="button" id="round-complete">${esc(et('complete_round'))}</button>` : ''}
        <button type="button" class="secondary" id="export-xlsx">${esc(t('export_xlsx'))}</button><button type="button" class="secondary" id="export-csv">${esc(t('export_csv'))}</button></div>
      <h2>${esc(t('scorecards'))}</h2>` +
      table([t('groups'), t('total'), t('grade'), ''], round.scorecards.map(c => [
        esc(groups.get(c.group_id)?.name ?? c.group_id), c.total.toFixed(1), badge('grade', c.grade),
        `<a href="#/evaluation/${roundId}/group/${c.group_id}">${esc(t('open'))}</a>`]), 'scorecards') +
      `<h2>${esc(t('skipped'))}</h2>` +
      table([t('groups'), t('reason'), t('eligible_from')], round.skipped.map(k => [
        esc(groups.get(k.group_id)?.name ?? k.group_id), esc(k.reason), fmtDate(k.eligible_from)]), 'skipped');
  });
  if (!shown) return;
  const year = q('[data-testid="round-title"]').textContent;
  q('#export-xlsx').addEventListener('click', e => openDocument(e.target, `/api/v1/evaluation-rounds/${roundId}/export.xlsx`, `${year}.xlsx`));
  q('#export-csv').addEventListener('click', e => openDocument(e.target, `/api/v1/evaluation-rounds/${roundId}/export.csv`, `${year}.csv`));
  q('#round-recompute').addEventListener('click', async e => {
    const headers = { 'Idempotency-Key': idempotencyKey() };
    if (await act(e.target, () => api('POST', `/evaluation-rounds/${roundId}/recompute`, undefined, { headers }))) pageRound(roundId);
  });
  q('#round-complete').addEventListener('click', async e => {
    // what completing does, before it is done: the year's data locks and the grades are final
    if (!window.confirm(et('complete_confirm'))) return;
    const headers = { 'Idempotency-Key': idempotencyKey() };
    if (await act(e.target, () => api('POST', `/evaluation-rounds/${roundId}/complete`, undefined, { headers }))) pageRound(roundId);
  });
}

async function pageScorecard(roundId, groupId) {
  main().innerHTML = `<div id="scorecard">${esc(t('loading'))}</div>`;
  const bureau = state.claims.role === 'bureau';
  const shown = await fill(q('#scorecard'), async () => {
    const [card, names, round] = await Promise.all([api('GET', `/evaluation-rounds/${roundId}/groups/${groupId}`), schools().catch(() => new Map()),
      api('GET', `/evaluation-rounds/${roundId}`).catch(() => null)]);
    const group = await api('GET', `/groups/${groupId}`).catch(() => null);
    const completed = round?.state === 'completed';
    // a figure without data is "no data", scored 0: never shown as met
    const dims = card.dimensions.map(d => `<tr><td><b>${esc(bi(d.title_zh, en('dimension', d.dimension)))}</b></td><td>${d.weight}</td><td>${d.score.toFixed(1)}</td></tr>` +
      d.figures.map(f => `<tr class="figure"><td>&nbsp;&nbsp;<button type="button" class="link" data-figure="${esc(f.key)}">${esc(bi(f.title_zh, f.title))}</button> <small class="muted">${esc(f.rule)}</small></td>
        <td>${f.value == null ? noData() : `${esc(f.value)} ${esc(f.unit)}`}${f.target == null ? '' : ` <small class="muted">/ ${esc(f.target)}</small>`}</td><td>${f.score.toFixed(1)}</td></tr>
        <tr hidden data-sources="${esc(f.key)}"><td colspan="3"></td></tr>`).join('')).join('');
    // V-17, §8.12: enrolment-weighted CVs, seven per stage; a CV without data has no
    // verdict (null): shown as no data, never as within its limit.
    const cvCell = v => v == null ? noData() : v.toFixed(3);
    const cv = table([t('stage'), '', t('figure'), t('group_cv'), t('cv_with_postings'), t('county_cv'), t('limit'), t('within')], card.balance.cv.map(c => [
      esc(en('stage', c.stage)), String(c.number), esc(en('balance', c.key) || c.key), cvCell(c.group_cv), cvCell(c.group_cv_with_postings),
      cvCell(c.county_cv), c.limit.toFixed(2),
      c.group_cv == null || c.group_within == null ? noData() : c.group_within ? `<span class="badge met">${esc(t('yes_word'))}</span>` : `<span class="badge overdue">${esc(t('no_word'))}</span>`]), 'balance');
    const num = v => v == null ? noData() : v.toFixed(1);
    const members = table([t('school'), t('quality_score'), t('last_year'), t('value_added'), t('balance'), t('status')], card.members.map(m => [
      esc(nameOf(names, m.school_id)), num(m.quality_score), num(m.last_year_score), num(m.value_added),
      m.balance_passed == null ? noData() : esc(m.balance_passed ? t('yes_word') : t('no_word')),
      m.failing ? `<span class="badge overdue">${esc(en('grade', 'fail'))}</span>` : '']), 'member-progress');
    const consequences = table([t('consequences'), t('school'), t('reason'), t('status'), t('actions')], card.consequences.map(c => [
      esc(en('consequence_kind', c.kind)), esc(nameOf(names, c.school_id)), esc(c.reason), badge('consequence_status', c.status),
      bureau && completed && c.status === 'proposed' ? `<div class="actions" data-consequence="${c.id}" data-kind="${esc(c.kind)}" data-school="${esc(nameOf(names, c.school_id))}"><button type="button" class="secondary" data-confirm="true">${esc(t('confirm'))}</button><button type="button" class="secondary" data-confirm="false">${esc(t('reject'))}</button></div>` : '']), 'consequences');
    return `${crumbsHtml([['#/evaluation', t('evaluation')], [`#/evaluation/${roundId}`, fmtYear(card.school_year)], ['', group?.name ?? groupId]])}
      <h1 data-testid="scorecard-title">${esc(group?.name ?? groupId)} · ${esc(fmtYear(card.school_year))} ${round ? stateBadge(round.state) : ''}</h1>
      ${completed ? '' : `<p class="banner">${esc(et('draft_banner'))}</p>`}
      <p class="chips"><span class="kpi" data-testid="scorecard-total">${card.total.toFixed(1)}</span> ${badge('grade', card.grade)}
        <small class="muted">${esc(t('policy_version'))} ${card.policy_version}</small></p>
      <div class="actions"><button type="button" class="secondary" id="print-report">${esc(t('report'))}</button></div>
      <section class="card"><h2>${esc(t('dimensions'))}</h2><table data-testid="dimensions"><thead><tr><th>${esc(t('figure'))}</th><th>${esc(t('weight'))} / ${esc(t('value'))}</th><th>${esc(t('score'))}</th></tr></thead><tbody>${dims}</tbody></table></section>
      <section class="card"><h2>${esc(t('balance'))}</h2><p class="muted">${esc(t('cv_note'))}</p>${cv}</section>
      <section class="card"><h2>${esc(t('member_progress'))}</h2>${members}</section>
      <section class="card"><h2>${esc(t('consequences'))}</h2>${completed ? '' : `<p class="muted">${esc(et('consequences_wait'))}</p>`}${consequences}</section>`;
  });
  if (!shown) return;
  q('#print-report').addEventListener('click', e => openDocument(e.target, `/api/v1/evaluation-rounds/${roundId}/groups/${groupId}/report.html`));
  document.querySelectorAll('[data-figure]').forEach(b => b.addEventListener('click', async () => {
    const row = document.querySelector(`[data-sources="${CSS.escape(b.dataset.figure)}"]`);
    if (!row) return;
    row.hidden = !row.hidden;
    if (row.hidden) return;
    await fill(row.firstElementChild, async () => {
      const f = await api('GET', `/evaluation-rounds/${roundId}/groups/${groupId}/figures/${encodeURIComponent(b.dataset.figure)}`);
      return `<b>${esc(t('sources'))}</b> (${f.sources.length}): ` + (f.sources.map(src => `<span class="badge">${esc(en('source_kind', src.kind))}</span> <code>${esc(src.href)}</code>`).join(' · ') || esc(t('none')));
    });
  }));
  document.querySelectorAll('[data-consequence] button').forEach(b => b.addEventListener('click', async () => {
    const holder = b.closest('[data-consequence]');
    const id = holder.dataset.consequence;
    const body = { confirm: b.dataset.confirm === 'true' };
    // X-02: a confirmed exit or dissolution takes effect at once and cannot be undone.
    const { kind, school } = holder.dataset;
    if (body.confirm && (kind === 'member_exit' || kind === 'dissolution')) {
      const what = kind === 'member_exit'
        ? bi(`确认后,${school}将立即退出集团(退出原因:考核评估),其进行中的交流结束、资源库访问终止。此操作不可撤销。`,
          `Once confirmed, ${school} leaves the group at once (exit reason: evaluation); its running postings end and its library access ends. This cannot be undone.`)
        : bi('确认后,集团将立即撤销,所有成员资格终止,集团不再接受任何变更。此操作不可撤销。',
          'Once confirmed, the group is dissolved at once: every membership ends and the group accepts no further change. This cannot be undone.');
      if (!window.confirm(what)) return;
    }
    if (await act(b, () => api('POST', `/evaluation-rounds/${roundId}/groups/${groupId}/consequences/${id}/decision`, body), t('saved'))) setTimeout(() => pageScorecard(roundId, groupId), 500);
  }));
}

// ---------------------------------------------------------------- the year's data

// #/evaluation/data?year=2025&group=<id>: one row per school of the group (lead first), one
// column per figure, saved per row; what is missing listed before a round is opened.
async function pageEvaluationData() {
  const params = new URLSearchParams(location.hash.split('?')[1] ?? '');
  const last = schoolYearOf(today()) - 1;
  const year = Number(params.get('year')) || last;
  const groups = [...(await groupNames().catch(() => new Map())).values()].filter(g => g.status !== 'dissolved');
  const groupId = params.get('group') || groups[0]?.id || '';
  const go = (y, g) => { location.hash = `#/evaluation/data?year=${y}&group=${g}`; };
  main().innerHTML = `${crumbsHtml([['#/evaluation', t('evaluation')], ['', et('data_entry')]])}<h1>${esc(et('data_entry'))}</h1>
    <form class="inline" id="data-pick">
      <label>${esc(t('year'))}<select name="year" id="data-year">${[last - 1, last, last + 1].map(y => `<option value="${y}"${y === year ? ' selected' : ''}>${esc(fmtYear(y))}</option>`).join('')}</select></label>
      <label>${esc(t('groups'))}<select name="group" id="data-group">${groups.map(g => `<option value="${g.id}"${g.id === groupId ? ' selected' : ''}>${esc(g.name)}</option>`).join('')}</select></label>
    </form>
    <section class="card"><h2>${esc(et('import_xlsx'))}</h2><p class="muted">${esc(et('import_hint'))}</p>
      <form class="inline" id="import-form"><input type="file" id="import-file" aria-label="${esc(et('import_xlsx'))}" accept=".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"><button type="submit" id="import-send">${esc(et('import_xlsx'))}</button></form></section>
    <section class="card"><h2>${esc(et('data_entry'))} · ${esc(fmtYear(year))}</h2><p class="muted">${esc(et('data_hint'))}</p><div id="data-grid">${esc(t('loading'))}</div></section>
    <section class="card"><h2>${esc(et('completeness'))}</h2><div id="data-complete"></div></section>
    <section class="card"><h2>${esc(et('scored_items'))}</h2><div id="scored-items"></div></section>`;
  q('#data-year').addEventListener('change', e => go(e.target.value, groupId));
  q('#data-group').addEventListener('change', e => go(year, e.target.value));
  q('#import-form').addEventListener('submit', async e => {
    e.preventDefault();
    const file = q('#import-file').files?.[0];
    if (!file) return;
    const blob = new Blob([file], { type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' });
    if (await act(q('#import-send'), () => api('POST', `/evaluation-data/${year}/import`, blob), et('imported'))) loadGrid(year, groupId);
  });
  if (groupId) { loadGrid(year, groupId); loadScoredItems(year, groupId); }
}

async function loadGrid(year, groupId) {
  const rows = [];
  await fill(q('#data-grid'), async () => {
    const [group, names] = await Promise.all([api('GET', `/groups/${groupId}`), schools().catch(() => new Map())]);
    const ids = [group.lead_school_id, ...group.active_school_ids.filter(id => id !== group.lead_school_id)];
    const data = await Promise.all(ids.map(id => api('GET', `/evaluation-data/${year}/schools/${id}`).catch(err => {
      if (err instanceof Refusal && err.status === 404) return null;
      throw err;
    })));
    ids.forEach((id, i) => rows.push({ id, name: nameOf(names, id), lead: id === group.lead_school_id, values: dataValues(data[i]) }));
    const head = `<tr><th>${esc(t('school'))}</th>${DATA_FIELDS.map(([, zh, english]) => `<th>${esc(bi(zh, english))}</th>`).join('')}<th>${esc(et('completeness'))}</th><th></th></tr>`;
    const body = rows.map(r => `<tr data-school="${r.id}" data-name="${esc(r.name)}"><td><b>${esc(r.name)}</b>${r.lead ? ` <small class="muted">${esc(en('member_role', 'lead'))}</small>` : ''}</td>` +
      DATA_FIELDS.map(([k, zh, english, whole]) => `<td><input type="number" min="0" step="${whole ? 1 : 'any'}" name="${k}" value="${r.values[k] ?? ''}" aria-label="${esc(`${r.name} · ${bi(zh, english)}`)}"></td>`).join('') +
      rowStatus(r.values) +
      `<td class="actions"><button type="button" class="secondary" data-save="${r.id}">${esc(et('save'))}</button></td></tr>`).join('');
    return `<div class="scroll-x"><table class="grid-entry" data-testid="data-grid"><thead>${head}</thead><tbody>${body}</tbody></table></div>`;
  });
  showCompleteness(rows);
  document.querySelectorAll('[data-save]').forEach(b => b.addEventListener('click', async () => {
    const tr = b.closest('tr');
    const value = k => { const v = tr.querySelector(`[name="${k}"]`)?.value.trim(); return v === '' || v == null ? null : Number(v); };
    const body = { quality_score: value('quality_score') };
    const given = BALANCE_KEYS.filter(k => value(k) != null);
    if (given.length) body.balance = Object.fromEntries(BALANCE_KEYS.map(k => [k, value(k)]));
    await act(b, async () => {
      if (given.length && given.length < BALANCE_KEYS.length) {
        throw new Refusal(localProblem('均衡数据八项须一并填写', 'The eight balance figures are entered together', 'balance_incomplete'), 400);
      }
      await api('PUT', `/evaluation-data/${year}/schools/${tr.dataset.school}`, body);
      // only this row's status and the completeness change: reloading the grid would wipe
      // what the clerk is typing in the next row meanwhile
      const values = Object.fromEntries(DATA_FIELDS.map(([k]) => [k, value(k)]));
      tr.querySelector('[data-testid="row-status"]').outerHTML = rowStatus(values);
      showCompleteness([...document.querySelectorAll('[data-testid="data-grid"] tbody tr')].map(row => ({
        name: row.dataset.name,
        values: Object.fromEntries(DATA_FIELDS.map(([k]) => {
          const v = row.querySelector(`[name="${k}"]`)?.value.trim();
          return [k, v === '' || v == null ? null : Number(v)];
        })),
      })));
    }, et('saved_row'));
  }));
}

// A row's status cell: what it still lacks, or complete.
function rowStatus(values) {
  const missing = missingOf(values);
  return `<td class="${missing.length ? 'missing' : ''}" data-testid="row-status">${missing.length
    ? esc(`${et('missing_word')} ${missing.length}`) : `<span class="badge met">${esc(et('complete_word'))}</span>`}</td>`;
}

// Which schools lack which figures, before a round is opened on them.
function showCompleteness(rows) {
  const gaps = rows.map(r => [r, missingOf(r.values)]).filter(([, m]) => m.length);
  const done = rows.length - gaps.length;
  q('#data-complete').innerHTML = `<p data-testid="completeness"><b>${done} / ${rows.length}</b> ${esc(bi('所学校数据完整', 'schools complete'))}</p>` +
    (gaps.length ? `<ul data-testid="missing">${gaps.map(([r, m]) => `<li><b>${esc(r.name)}</b>: ${esc(et('missing_word'))} ${esc(m.join('、'))}</li>`).join('')}</ul>` : '');
}

async function loadScoredItems(year, groupId) {
  await fill(q('#scored-items'), async () => {
    const current = await api('GET', `/evaluation-data/${year}/groups/${groupId}/scored-items`);
    const of = d => current.items.find(i => i.dimension === d);
    return `<form id="scored-form">` + table([t('figure'), t('score'), t('evidence')], SCORED_DIMENSIONS.map(d => [
      esc(en('dimension', d)), `<input type="number" min="0" max="100" step="any" name="score-${d}" value="${of(d)?.score ?? ''}" aria-label="${esc(`${en('dimension', d)} · ${t('score')}`)}">`,
      `<input type="text" name="evidence-${d}" value="${esc(of(d)?.evidence ?? '')}" class="wfull" aria-label="${esc(`${en('dimension', d)} · ${t('evidence')}`)}">`]), 'scored-items') +
      `<div class="actions"><button type="submit" id="scored-save">${esc(et('save'))}</button></div></form>`;
  });
  q('#scored-form').addEventListener('submit', async e => {
    e.preventDefault();
    const form = e.target;
    const items = SCORED_DIMENSIONS.map(d => ({ dimension: d, score: form.elements[`score-${d}`].value.trim(), evidence: form.elements[`evidence-${d}`].value.trim() }))
      .filter(i => i.score !== '').map(i => ({ ...i, score: Number(i.score) }));
    await act(q('#scored-save'), () => api('PUT', `/evaluation-data/${year}/groups/${groupId}/scored-items`, { items }), t('saved'));
  });
}
