// edugroup console: the group's charter and development plan (集团章程、集团发展规划; G-14, L4,
// M2, G-01, G-07). The versions in force with each school's acknowledgement, every version,
// and for the lead school's office the draft of each kind: drafted, edited, and adopted by
// choosing among the council's passed decisions of the kind's category. A member school's
// office acknowledges the version in force. Loaded before app.js, whose helpers (t, bi, api,
// act, fill, …) it calls once a page runs; app.js routes #/group/…/charter here.
'use strict';

const CHARTER_KINDS = ['charter', 'development_plan'];

function charterKindRule(kind) { return kind === 'charter' ? 'G-14' : 'G-01 · G-07'; }

// When a milestone falls due: a day, a semester of a school year, or a school year.
function milestoneWhen(m) {
  if (m.due_on) return fmtDate(m.due_on);
  if (m.semester) return esc(fmtTerm(m.school_year, m.semester));
  return esc(fmtYear(m.school_year));
}

// The versions in force, each a link to the charter page; the council page and the
// obligations cards show them (M2: the schools follow the charter and the plan in force).
async function charterInForceHtml(groupId) {
  const c = await api('GET', `/groups/${groupId}/charter`);
  const part = kind => {
    const f = c[kind];
    if (!f) return `<span class="muted" data-testid="in-force-${kind}">${esc(en('charter_kind', kind))}: ${esc(bi('尚未经理事会通过', 'none adopted yet'))}</span>`;
    const v = f.version;
    return `<a href="#/group/${groupId}/charter" data-testid="in-force-${kind}">${esc(en('charter_kind', kind))} · ${esc(bi(`第 ${v.version} 版`, `version ${v.version}`))} 《${esc(v.title)}》</a>` +
      ` <small class="muted">${esc(bi(`${f.acknowledged}/${f.members} 所成员学校已确认`, `${f.acknowledged} of ${f.members} members acknowledged`))}</small>`;
  };
  return `<p class="chips in-force">${esc(bi('现行', 'In force'))}: ${part('charter')} · ${part('development_plan')}` +
    ` · <a href="#/group/${groupId}/charter">${esc(bi('全部版本', 'every version'))}</a></p>`;
}

async function pageCharter(groupId) {
  main().innerHTML = `<h1>${esc(bi('集团章程与发展规划', 'Charter and development plan'))} <small class="muted" id="group-title"></small></h1>
    <p class="muted">${esc(bi('龙头学校制定集团章程(G-14),与成员学校共同制定发展规划及时间表、线路图(G-01),经理事会决议通过后施行;成员学校遵守集团章程(M2)。',
      'The lead school writes the charter (G-14) and, with the members, the development plan with its timetable and roadmap (G-01); the council adopts each by its decision; member schools follow the charter (M2).'))}</p>
    <div id="charter">${esc(t('loading'))}</div>`;
  groupTrail(groupId, [`#/group/${groupId}/charter`, bi('章程与规划', 'Charter and plan')]);
  let c, members, group;
  try {
    [c, members] = await Promise.all([api('GET', `/groups/${groupId}/charter`), api('GET', `/groups/${groupId}/members`)]);
    group = members.group;
  } catch (err) {
    q('#charter').innerHTML = refusalHtml(err);
    return;
  }
  q('#group-title').textContent = group.name;
  const claims = state.claims;
  const active = group.status === 'active';
  const leadOffice = claims.role === 'lead_admin' && claims.school_id === group.lead_school_id && active;
  const schoolsNow = members.members.filter(m => !m.left_at);
  const drafts = Object.fromEntries(CHARTER_KINDS.map(k => [k, c.history.find(v => v.kind === k && v.status === 'draft')]));
  q('#charter').innerHTML = CHARTER_KINDS.map(kind => `<section class="card" data-kind="${kind}">
      <h2>${esc(en('charter_kind', kind))} <small class="muted">${esc(charterKindRule(kind))}</small></h2>
      ${inForceHtml(kind, c[kind], groupId)}
      ${drafts[kind] ? `<h3>${esc(bi(`草案(第 ${drafts[kind].version} 版)`, `Draft (version ${drafts[kind].version})`))}</h3>${leadOffice ? '' : versionHtml(drafts[kind])}` : ''}
      <div class="draft" data-kind="${kind}"></div></section>`).join('') +
    `<section class="card"><h2>${esc(bi('历次版本', 'Every version'))}</h2>${historyHtml(c.history)}</section>`;
  // M2: the member school's office acknowledges the version in force, for its own school
  document.querySelectorAll('[data-acknowledge]').forEach(b => b.addEventListener('click', async () => {
    const path = `/charter-versions/${b.dataset.acknowledge}/acknowledgements`;
    if (await act(b, () => api('POST', path, undefined, { headers: { 'Idempotency-Key': idempotencyKey() } }), bi('已确认遵守', 'Acknowledged'))) {
      setTimeout(() => pageCharter(groupId), 500);
    }
  }));
  if (!leadOffice) return;
  for (const kind of CHARTER_KINDS) {
    // q: a detached stand-in once the reader has left the page meanwhile
    draftEditor(q(`.draft[data-kind="${kind}"]`), groupId, kind, drafts[kind], c[kind]?.version, schoolsNow, c.history);
  }
}

// A version in force: its text, its milestones, the decision that adopted it, and every school
// of the group with its acknowledgement; the member school's office acknowledges it here.
function inForceHtml(kind, f, groupId) {
  if (!f) return `<p class="muted" data-testid="none-in-force">${esc(bi('尚无经理事会通过的版本。', 'No version adopted by the council yet.'))}</p>`;
  const v = f.version;
  const claims = state.claims;
  const mine = f.acknowledgements.find(a => a.school_id === claims.school_id && a.role === 'member');
  const acks = table([t('school'), t('role'), bi('确认遵守', 'Acknowledged')], f.acknowledgements.map(a => [
    esc(a.school_name), esc(en('member_role', a.role)),
    a.implied ? `<span class="badge">${esc(bi('视同确认', 'implied'))}</span>`
      : a.acknowledged_at ? `<span class="badge met">${esc(bi('已确认', 'acknowledged'))}</span> <small>${fmtDateTime(a.acknowledged_at)}</small>`
      : `<span class="badge missing">${esc(bi('未确认', 'not yet'))}</span>`]), `acknowledgements-${kind}`);
  const button = claims.role === 'member_admin' && mine && !mine.acknowledged_at
    ? `<div class="actions"><button type="button" data-acknowledge="${esc(v.id)}" id="acknowledge-${kind}">${esc(bi('确认遵守现行版本', 'Acknowledge the version in force'))}</button></div>` : '';
  return `<h3 data-testid="in-force-title-${kind}">${esc(bi(`现行第 ${v.version} 版`, `In force: version ${v.version}`))} 《${esc(v.title)}》</h3>
    ${versionHtml(v)}
    <p><b>${esc(bi('成员学校确认情况', 'Acknowledgements'))}</b> ${f.acknowledged} / ${f.members}</p>${acks}${button}`;
}

// A version's text, milestones and adoption (escaped; the body keeps its lines).
function versionHtml(v) {
  const adoption = v.adoption
    ? `<p class="muted">${esc(bi('理事会决议', 'Council decision'))}「${esc(v.adoption.decision_title)}」(${fmtDate(v.adoption.decided_on)})· ${esc(bi('登记', 'recorded'))} ${fmtDateTime(v.adoption.adopted_at)}</p>`
    : `<p class="muted">${esc(bi('起草', 'Drafted'))} ${fmtDateTime(v.drafted_at)}${v.edited_at ? ` · ${esc(bi('修改', 'edited'))} ${fmtDateTime(v.edited_at)}` : ''}</p>`;
  const milestones = v.milestones.length ? `<h4>${esc(bi('时间表和线路图', 'Timetable and roadmap'))}</h4>` +
    table([bi('时间', 'When'), bi('任务', 'What'), bi('责任学校', 'School responsible')],
      v.milestones.map(m => [milestoneWhen(m), esc(m.what), esc(m.school_name)]), `milestones-${v.kind}`) : '';
  return `${adoption}<div class="charter-body" data-testid="charter-body">${esc(v.body)}</div>${milestones}`;
}

function historyHtml(history) {
  return table([bi('类别', 'Kind'), bi('版本', 'Version'), bi('标题', 'Title'), t('status'), bi('起草', 'Drafted'), bi('通过决议', 'Adopted by'), bi('废止', 'Superseded')],
    history.map(v => [esc(en('charter_kind', v.kind)), String(v.version), esc(v.title), badge('charter_status', v.status),
      fmtDateTime(v.drafted_at), v.adoption ? `${esc(v.adoption.decision_title)} <small class="muted">${fmtDate(v.adoption.decided_on)}</small>` : '',
      v.superseded_at ? fmtDateTime(v.superseded_at) : '']), 'charter-history');
}

// The lead office's draft of one kind: a form to draft it (from the version in force, if
// any) when there is none; else the form to edit it and the adoption by a council decision.
async function draftEditor(el, groupId, kind, draft, inForce, schoolsNow, history) {
  const base = draft ?? inForce;
  const milestones = base?.milestones ?? [];
  // with no draft, the next version is the one after the version in force (one draft at a time)
  const next = draft ? '' : `<h3>${esc(inForce ? bi(`起草第 ${inForce.version + 1} 版(以现行版本为底稿)`, `Draft version ${inForce.version + 1} (from the version in force)`)
    : bi('起草第 1 版', 'Draft version 1'))}</h3>`;
  el.innerHTML = `${next}<form class="charter-form" id="charter-form-${kind}">
    <label>${esc(bi('标题', 'Title'))}<input name="title" size="50" maxlength="200" required value="${esc(base?.title ?? '')}"></label>
    <label>${esc(bi('正文', 'Text'))}<textarea name="body" rows="12" required>${esc(base?.body ?? '')}</textarea></label>
    ${kind === 'development_plan' ? `<h4>${esc(bi('时间表和线路图', 'Timetable and roadmap'))}</h4>
      <table class="milestones"><thead><tr><th>${esc(bi('时间', 'When'))}</th><th>${esc(bi('任务', 'What'))}</th><th>${esc(bi('责任学校', 'School responsible'))}</th><th></th></tr></thead>
      <tbody>${(milestones.length ? milestones : [null]).map(m => milestoneRow(m, schoolsNow)).join('')}</tbody></table>
      <div class="actions"><button type="button" class="secondary small" data-add-milestone>${esc(bi('添加时间节点', 'Add a milestone'))}</button></div>` : ''}
    <div class="actions"><button type="submit" id="charter-save-${kind}">${esc(draft ? bi('保存草案', 'Save the draft') : bi('起草新版本', 'Draft a new version'))}</button></div></form>
    ${draft ? `<form class="inline adopt-form" id="adopt-form-${kind}"><label>${esc(bi('理事会决议(已表决通过)', 'Council decision (passed)'))}<select name="decision_id" id="adopt-decision-${kind}"><option value="">${esc(t('choose'))}</option></select></label>
      <button type="submit" id="adopt-${kind}">${esc(bi('登记理事会通过', 'Record the adoption'))}</button></form>` : ''}`;
  const form = el.querySelector('form.charter-form');
  const rows = () => [...form.querySelectorAll('tr.milestone')];
  const renumber = () => rows().forEach((tr, i) => tr.querySelectorAll('[data-field]').forEach(input => { input.name = `milestones[${i}].${input.dataset.field}`; }));
  const wire = tr => {
    const type = tr.querySelector('[data-due-type]');
    const show = () => {
      tr.querySelector('[data-field="due_on"]').hidden = type.value !== 'date';
      tr.querySelector('[data-field="school_year"]').hidden = type.value === 'date';
      tr.querySelector('[data-field="semester"]').hidden = type.value !== 'semester';
    };
    type.addEventListener('change', show);
    show();
    tr.querySelector('[data-remove]').addEventListener('click', () => { tr.remove(); renumber(); });
  };
  rows().forEach(wire);
  renumber();
  el.querySelector('[data-add-milestone]')?.addEventListener('click', () => {
    form.querySelector('table.milestones tbody').insertAdjacentHTML('beforeend', milestoneRow(null, schoolsNow));
    wire(rows().at(-1));
    renumber();
  });
  form.addEventListener('submit', async e => {
    e.preventDefault();
    const body = { title: form.elements.title.value, body: form.elements.body.value, milestones: rows().map(readMilestone) };
    const save = draft ? () => api('PUT', `/charter-versions/${draft.id}`, body)
      : () => api('POST', `/groups/${groupId}/charter/versions`, { kind, ...body }, { headers: { 'Idempotency-Key': idempotencyKey() } });
    if (await act(form.querySelector('button[type="submit"]'), save, t('saved'))) setTimeout(() => pageCharter(groupId), 500);
  });
  if (!draft) return;
  // the council's passed decisions of the kind's category not yet used for another version
  const used = new Set(history.filter(v => v.adoption).map(v => v.adoption.decision_id));
  const decisions = await api('GET', `/groups/${groupId}/decisions?category=${kind}&limit=200`).then(p => p.items).catch(() => []);
  const adopt = el.querySelector(`#adopt-form-${kind}`);
  const select = adopt.elements.decision_id;
  select.insertAdjacentHTML('beforeend', decisions.filter(d => !used.has(d.id)).reverse().map(d =>
    `<option value="${esc(d.id)}">${esc(d.title)} (${esc(fmtDate(d.decided_on))})</option>`).join(''));
  if (!decisions.length) {
    placeAfter(adopt, `<p class="muted">${esc(bi(`理事会尚无类别为「${en('category', kind)}」的已通过决议:请在理事会会议上提出并表决该议案。`,
      `The council has passed no decision of category "${en('category', kind)}" yet: put the motion to a council meeting.`))} <a href="#/group/${groupId}/meetings">${esc(t('meetings'))}</a></p>`);
  }
  adopt.addEventListener('submit', async e => {
    e.preventDefault();
    const body = { decision_id: select.value || null };
    if (await act(adopt.querySelector('button'), () => api('POST', `/charter-versions/${draft.id}/adoption`, body, { headers: { 'Idempotency-Key': idempotencyKey() } }), bi('已通过', 'Adopted'))) {
      setTimeout(() => pageCharter(groupId), 500);
    }
  });
}

// One milestone's row of the editor: when (a day, a semester, a school year), what, who.
function milestoneRow(m, schoolsNow) {
  const type = m?.due_on ? 'date' : m?.semester ? 'semester' : m?.school_year ? 'year' : 'date';
  const now = schoolYearOf(today());
  const years = [...Array(8).keys()].map(i => now - 1 + i);
  const year = m?.school_year ?? now;
  return `<tr class="milestone"><td><select data-due-type aria-label="${esc(bi('时间类型', 'Kind of time'))}">
      <option value="date"${type === 'date' ? ' selected' : ''}>${esc(bi('日期', 'Day'))}</option>
      <option value="semester"${type === 'semester' ? ' selected' : ''}>${esc(bi('学期', 'Semester'))}</option>
      <option value="year"${type === 'year' ? ' selected' : ''}>${esc(bi('学年', 'School year'))}</option></select>
    <input type="date" data-field="due_on" value="${esc(m?.due_on ?? '')}" aria-label="${esc(bi('日期', 'Day'))}">
    <select data-field="school_year" aria-label="${esc(t('year'))}">${years.map(y => `<option value="${y}"${y === year ? ' selected' : ''}>${esc(fmtYear(y))}</option>`).join('')}</select>
    <select data-field="semester" aria-label="${esc(t('semester'))}"><option value="autumn"${m?.semester === 'autumn' ? ' selected' : ''}>${esc(t('autumn'))}</option><option value="spring"${m?.semester === 'spring' ? ' selected' : ''}>${esc(t('spring'))}</option></select></td>
    <td><input data-field="what" size="30" maxlength="500" value="${esc(m?.what ?? '')}" aria-label="${esc(bi('任务', 'What'))}"></td>
    <td><select data-field="school_id" aria-label="${esc(bi('责任学校', 'School responsible'))}">${schoolsNow.map(s => `<option value="${esc(s.school_id)}"${s.school_id === m?.school_id ? ' selected' : ''}>${esc(s.school_name)}</option>`).join('')}</select></td>
    <td><button type="button" class="link" data-remove>${esc(bi('删除', 'Remove'))}</button></td></tr>`;
}

function readMilestone(tr) {
  const value = field => tr.querySelector(`[data-field="${field}"]`).value;
  const type = tr.querySelector('[data-due-type]').value;
  const when = type === 'date' ? { due_on: value('due_on') || null }
    : { school_year: Number(value('school_year')), semester: type === 'semester' ? value('semester') : null };
  return { ...when, what: value('what'), school_id: value('school_id') };
}
