// edugroup console: the bureau loads a group's past (集团历史数据载入). A group that existed
// before this system is loaded with its real dates, then its past years' rosters, postings and
// council meetings, each pasted from a spreadsheet. The page only turns rows into requests:
// the API replays every entry through the rules of live writes and refuses the first one a
// live write would have refused, naming the entry and its date. Loaded after app.js's
// helpers are defined (t, bi, api, act, …); app.js routes #/history here.
'use strict';

// Rows pasted from a spreadsheet: one a line; cells split by tabs (what a spreadsheet copies),
// else by `|`, else by commas. Blank lines and lines starting with # are skipped, and so is a
// first line without any date (a header). Each row keeps its line number for messages.
function pastedRows(text) {
  const lines = text.split(/\r?\n/).map((l, i) => ({ line: i + 1, text: l.trim() }))
    .filter(l => l.text && !l.text.startsWith('#'));
  if (lines.length && !/\d{4}[-/.年]\d{1,2}/.test(lines[0].text)) lines.shift();
  return lines.map(({ line, text }) => {
    const sep = text.includes('\t') ? '\t' : text.includes('|') ? '|' : /[,,]/;
    return { line, cells: text.split(sep).map(c => c.trim()) };
  });
}

// A refusal of the page's own, before anything is sent: the line and what is wrong with it,
// placed next to the field the rows came from.
function rowProblem(field, line, zh, english) {
  const p = localProblem(`第 ${line} 行:${zh}`, `line ${line}: ${english}`, 'row_invalid');
  p.details = { field };
  return new Refusal(p, 400);
}

// 2021-09-01, 2021/9/1, 2021.9.1 or 2021年9月1日 as an ISO date; empty stays null.
function pastedDate(cell, field, line) {
  if (!cell) return null;
  const m = cell.match(/^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$/);
  if (!m) throw rowProblem(field, line, `日期「${cell}」无法识别(例:2021-09-01)`, `date "${cell}" not understood (e.g. 2021-09-01)`);
  return `${m[1]}-${m[2].padStart(2, '0')}-${m[3].padStart(2, '0')}`;
}

// An enumeration's code from its code, its Chinese or its English label.
function pastedEnum(kind, cell, field, line) {
  const wanted = cell.toLowerCase();
  const found = Object.entries(ENUMS[kind]).find(([code, [zh, english]]) => [code, zh, english.toLowerCase()].includes(wanted));
  if (!found) {
    const allowed = Object.values(ENUMS[kind]).map(([zh]) => zh).join('、');
    throw rowProblem(field, line, `「${cell}」不是可选值(${allowed})`, `"${cell}" is not one of ${Object.keys(ENUMS[kind]).join(', ')}`);
  }
  return found[0];
}

// A school of the county by its full name or its id.
function pastedSchool(names, cell, field, line) {
  for (const [id, s] of names) if (s.name === cell || id === cell) return id;
  throw rowProblem(field, line, `县内没有名为「${cell}」的学校`, `no school named "${cell}" in the county`);
}

// Where a refused load went wrong, as the API names it (the entry is counted from 0).
function refusedEntry(err) {
  const d = err instanceof Refusal ? err.problem.details ?? {} : {};
  const at = d.history ?? d.entry ?? null;
  return at && typeof at === 'object' ? at.row ?? at.index ?? null : at;
}

async function pageHistory() {
  const names = await schools().catch(() => new Map());
  const schoolOptions = [...names.values()].sort((a, b) => a.name.localeCompare(b.name, 'zh-CN'))
    .map(s => `<option value="${esc(s.id)}">${esc(s.name)}</option>`).join('');
  const hint = (zh, english) => `<p class="muted">${esc(bi(zh, english))}</p>`;
  main().innerHTML = `<h1>${esc(bi('载入已有集团的历史数据', 'Load the past of existing groups'))}</h1>
    ${hint('本系统启用前已运行的教育集团:按真实日期载入集团、成员校进退、往年教师名册、交流轮岗与理事会会议。每条记录按实时办理的同一规则校验,有一条不符即整批不载入,并指出是哪一条、哪一天。',
      'Groups that ran before this system: load the group, its members’ admissions and exits, past rosters, postings and council meetings with their real dates. Every entry meets the rules of a live write; the first one refused refuses the whole load, naming the entry and its date.')}
    <section class="card"><h2>${esc(bi('1. 集团与成员校', '1. The group and its members'))}</h2><form id="history-group">
      <div class="actions"><label>${esc(t('name'))}<input name="name" id="history-name" size="28" required></label>
      <label>${esc(t('model'))}<select name="model">${options('model', 'alliance')}</select></label>
      <label>${esc(bi('龙头学校', 'Lead school'))}<select name="lead_school_id" id="history-lead" required><option value="">${esc(t('choose'))}</option>${schoolOptions}</select></label></div>
      <div class="actions"><label>${esc(bi('组建日期', 'Formed on'))}<input type="date" name="formed_on"></label>
      <label>${esc(t('plaque'))}<input type="date" name="plaque_date" id="history-plaque" required></label>
      <label>${esc(t('scale_cap'))}<input type="number" name="scale_cap" min="1" max="20" size="4"></label>
      <label>${esc(bi('超出模式上限的理由', 'Reason for a cap above the model’s'))}<input name="cap_exception_reason" size="24"></label></div>
      <label>${esc(bi('成员校(每行一校:学校名称 | 加入日期 | 退出日期 | 退出原因)', 'Members (one a line: school | joined | left | exit reason)'))}
        <textarea name="members" id="history-members" rows="5" placeholder="太康县第二初级中学 | 2021-09-01\n太康县第三初级中学 | 2021-09-01 | 2023-07-15 | 自愿退出"></textarea></label>
      <div class="actions"><button type="submit" id="history-group-button">${esc(bi('载入集团', 'Load the group'))}</button></div></form>
      <div id="history-loaded"></div></section>
    <section class="card"><h2>${esc(bi('2. 往年教师名册', '2. Past rosters'))}</h2>
      ${hint('交流记录按工号找教师:先载入派出学校当年的教师名册(与本校名册导入相同的 CSV)。', 'Postings find teachers by staff number: load the sending school’s roster of that year first (the same CSV as a school’s roster upload).')}
      <form id="history-roster"><div class="actions">
      <label>${esc(t('school'))}<select name="school_id" id="history-roster-school" required><option value="">${esc(t('choose'))}</option>${schoolOptions}</select></label>
      <label>${esc(t('year'))}<input type="number" name="school_year" id="history-roster-year" min="2000" max="2100" value="${schoolYearOf(today()) - 1}" size="6" required></label>
      <label>CSV<input type="file" name="csv" id="history-roster-file" accept=".csv,text/csv" required></label>
      <button type="submit" id="history-roster-button">${esc(bi('载入名册', 'Load the roster'))}</button></div></form></section>
    <section class="card"><h2>${esc(bi('3. 往年交流轮岗与理事会会议', '3. Past postings and council meetings'))}</h2>
      <div class="actions"><label>${esc(t('group'))}<select id="history-group-id"><option value="">${esc(t('choose'))}</option></select></label></div>
      <form id="history-postings">
      <label>${esc(bi('交流轮岗(每行一人次:派出学校 | 工号 | 接收学校 | 类型 | 岗位 | 开始 | 结束 | 提前结束日期)', 'Postings (one a line: sending school | staff no. | receiving school | kind | post | start | end | ended early on)'))}
        <textarea name="postings" id="history-postings-rows" rows="5" placeholder="太康县第一初级中学 | T001 | 太康县第二初级中学 | 挂职 | 教学副校长 | 2022-09-01 | 2023-01-31"></textarea></label>
      <div class="actions"><button type="submit" id="history-postings-button">${esc(bi('载入交流记录', 'Load the postings'))}</button></div></form>
      <form id="history-meetings">
      <label>${esc(bi('理事会会议(每行一次:会议类型 | 会议名称 | 日期 | 地点 | 出席学校(、分隔) | 纪要摘要)', 'Council meetings (one a line: kind | title | date | place | schools present, separated by 、 | minutes summary)'))}
        <textarea name="meetings" id="history-meetings-rows" rows="5" placeholder="理事会例会 | 2022年9月理事会例会 | 2022-09-15 | 一初中会议室 | 太康县第一初级中学、太康县第二初级中学 | 审议秋季学期交流方案"></textarea></label>
      <div class="actions"><button type="submit" id="history-meetings-button">${esc(bi('载入会议记录', 'Load the meetings'))}</button></div></form></section>`;

  const groupSelect = q('#history-group-id');
  const loadGroups = async selected => {
    const page = await api('GET', '/groups?limit=200&include_dissolved=true').catch(() => ({ items: [] }));
    groupSelect.innerHTML = `<option value="">${esc(t('choose'))}</option>` + page.items.map(g =>
      `<option value="${esc(g.id)}"${g.id === selected ? ' selected' : ''}>${esc(g.name)}</option>`).join('');
  };
  loadGroups();
  const chosenGroup = field => {
    if (groupSelect.value) return groupSelect.value;
    const p = localProblem('请先选择集团', 'choose the group first', 'group_required');
    p.details = { field };
    throw new Refusal(p, 400);
  };
  // Sends a load; a refusal names, besides the API's entry, the line of the pasted rows it
  // came from.
  // A group loaded a moment ago may not have reached the rotation and council services yet
  // (they learn groups from membership's events): a `not_found` is asked again a few times,
  // under the same key, before it is shown.
  const load = async (path, body, rows) => {
    const key = idempotencyKey();
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          return await api('POST', path, body, { headers: { 'Idempotency-Key': key } });
        } catch (err) {
          if (!(err instanceof Refusal && err.problem.code === 'not_found' && attempt < 6)) throw err;
          await new Promise(resolve => setTimeout(resolve, 400 * attempt));
        }
      }
    } catch (err) {
      const at = refusedEntry(err);
      if (Number.isInteger(at) && rows[at]) {
        const line = rows[at].line;
        err.problem = { ...err.problem, message_zh: `${err.problem.message_zh}(粘贴内容第 ${line} 行)`, message: `${err.problem.message} (line ${line} of the pasted rows)` };
      }
      throw err;
    }
  };
  const submitLoad = async (form, button, textarea, build, path, doneText) => {
    const rows = pastedRows(textarea.value);
    const ok = await act(button, async () => { await load(path(), build(rows), rows); }, doneText(rows.length));
    if (ok) form.reset();
    return ok;
  };

  const groupForm = q('#history-group');
  groupForm.addEventListener('submit', async e => {
    e.preventDefault();
    const f = groupForm.elements;
    let created = null;
    const rows = pastedRows(f.members.value);
    const ok = await act(q('#history-group-button'), async () => {
      const members = rows.map(({ line, cells: [school, joined, left, reason, note] }) => ({
        school_id: pastedSchool(names, school ?? '', 'members', line),
        joined_on: pastedDate(joined ?? '', 'members', line) ?? (() => { throw rowProblem('members', line, '缺少加入日期', 'the joining date is missing'); })(),
        left_on: pastedDate(left ?? '', 'members', line),
        exit_reason: reason ? pastedEnum('exit_reason', reason, 'members', line) : null,
        note: note || null,
      }));
      const body = {
        name: f.name.value, model: f.model.value, lead_school_id: f.lead_school_id.value, plaque_date: f.plaque_date.value,
        formed_on: f.formed_on.value || null, scale_cap: f.scale_cap.value ? Number(f.scale_cap.value) : null,
        cap_exception_reason: f.cap_exception_reason.value || null, members,
      };
      created = await load('/groups/import', body, rows);
    }, bi('已载入', 'loaded'));
    if (ok && created) {
      groupForm.reset();
      await loadGroups(created.group.id);
      q('#history-loaded').innerHTML = `<p class="done" role="status"><a href="#/group/${esc(created.group.id)}">${esc(created.group.name)}</a> · ${esc(bi(`${created.members.length} 所学校`, `${created.members.length} schools`))}</p>`;
    }
  });

  const rosterForm = q('#history-roster');
  rosterForm.addEventListener('submit', async e => {
    e.preventDefault();
    const f = rosterForm.elements;
    const file = f.csv.files[0];
    let report = null;
    const ok = await act(q('#history-roster-button'), async () => {
      report = await api('POST', `/schools/${encodeURIComponent(f.school_id.value)}/teachers/import?school_year=${encodeURIComponent(f.school_year.value)}`, file);
    }, '');
    if (ok && report) placeAfter(q('#history-roster-button'), `<div class="done" role="status">${esc(bi(`新增 ${report.created} 人,更新 ${report.updated} 人`, `${report.created} added, ${report.updated} updated`))}</div>`);
  });

  const postingsForm = q('#history-postings');
  postingsForm.addEventListener('submit', e => {
    e.preventDefault();
    submitLoad(postingsForm, q('#history-postings-button'), q('#history-postings-rows'), rows => ({
      postings: rows.map(({ line, cells: [from, staffNo, to, kind, post, start, end, endedOn] }) => ({
        from_school_id: pastedSchool(names, from ?? '', 'postings', line), staff_no: staffNo ?? '',
        to_school_id: pastedSchool(names, to ?? '', 'postings', line), kind: pastedEnum('posting_kind', kind ?? '', 'postings', line),
        host_post: post ?? '', start: pastedDate(start ?? '', 'postings', line), end: pastedDate(end ?? '', 'postings', line),
        ended_on: pastedDate(endedOn ?? '', 'postings', line),
      })),
    }), () => `/groups/${chosenGroup('postings')}/postings/import`, n => bi(`已载入 ${n} 条交流记录`, `${n} postings loaded`));
  });

  const meetingsForm = q('#history-meetings');
  meetingsForm.addEventListener('submit', e => {
    e.preventDefault();
    submitLoad(meetingsForm, q('#history-meetings-button'), q('#history-meetings-rows'), rows => ({
      meetings: rows.map(({ line, cells: [kind, title, heldOn, place, present, summary] }) => ({
        kind: pastedEnum('meeting_kind', kind ?? '', 'meetings', line), title: title ?? '',
        held_on: pastedDate(heldOn ?? '', 'meetings', line), place: place || null,
        schools_present: (present ?? '').split(/[、;;]/).map(s => s.trim()).filter(Boolean).map(s => pastedSchool(names, s, 'meetings', line)),
        minutes_summary: summary || null,
      })),
    }), () => `/groups/${chosenGroup('meetings')}/meetings/import`, n => bi(`已载入 ${n} 次会议`, `${n} meetings loaded`));
  });
}
