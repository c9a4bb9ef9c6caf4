// edugroup console: a group's posting planner (交流轮岗). Loaded before app.js, whose helpers
// (t, bi, api, act, fill, …) it calls once a page runs; app.js routes #/group/…/postings here.
'use strict';

// ---------------------------------------------------------------- a group: posting planner

async function pagePostings(groupId) {
  // a teacher plans nothing: their own postings are on their page
  if (state.claims.role === 'teacher') { location.hash = '#/school'; return; }
  const params = new URLSearchParams(location.hash.split('?')[1]);
  const year = Number(params.get('year')) || schoolYearOf(today());
  const claims = state.claims;
  main().innerHTML = `<h1>${esc(t('postings'))} <small class="muted" id="group-title"></small></h1>
    <div class="actions"><label>${esc(t('year'))}<select id="year">${yearOptions(year)}</select></label></div>
    <div class="grid"><section class="card"><h2>${esc(t('plan'))}</h2><div id="planner">${esc(t('loading'))}</div></section>
    <section class="card"><h2>${esc(t('forecast'))}</h2><div id="rotation"></div></section></div>
    <section class="card"><h2>${esc(t('postings'))}</h2><div id="postings"></div></section>
    <section class="card"><h2>${esc(t('who_where'))}</h2><div id="roster"></div></section>`;
  q('#year').addEventListener('change', e => { location.hash = `#/group/${groupId}/postings?year=${e.target.value}`; });
  groupTrail(groupId, [`#/group/${groupId}/postings`, t('postings')]);
  let list;
  try {
    list = await api('GET', `/groups/${groupId}/members`);
  } catch (err) {
    q('#planner').innerHTML = refusalHtml(err);
    return;
  }
  q('#group-title').textContent = list.group.name;
  const members = list.members.filter(m => !m.left_at);
  const names = new Map(members.map(m => [m.school_id, { name: m.school_name }]));
  const mine = claims.role === 'member_admin' || claims.role === 'teacher' ? claims.school_id : null;
  const rosterSchools = members.filter(m => !mine || m.school_id === mine || claims.role === 'lead_admin');
  const rosters = await Promise.all(rosterSchools.map(m => api('GET', `/schools/${m.school_id}/teachers?school_year=${year}&limit=200`)
    .then(p => p.items).catch(() => [])));
  const teachers = rosters.flat();
  const teacherOptions = rosterSchools.map((m, i) => `<optgroup label="${esc(m.school_name)}">${rosters[i].map(tc =>
    `<option value="${tc.id}">${esc(tc.name)} · ${esc(tc.subject)} · ${esc(en('staff_post', tc.post))}${tc.backbone !== 'none' ? ' · ' + esc(en('backbone', tc.backbone)) : ''}</option>`).join('')}</optgroup>`).join('');
  // the rules the planner follows, so it offers no plan the API would refuse: the kinds the
  // region's policy enables (E-12), and a teacher goes to another school of the group
  const policy = await api('GET', `/regions/${list.group.region}/policy`).then(rp => rp.current.policy).catch(() => null);
  const roleOf = new Map(members.map(m => [m.school_id, m.role]));
  const homeOf = new Map(teachers.map(tc => [tc.id, tc.home_school_id]));
  q('#planner').innerHTML = `<form id="plan-form">
    <div class="actions"><label>${esc(t('teacher'))}<select name="teacher_id" id="plan-teacher" required><option value="">${esc(t('choose'))}</option>${teacherOptions}</select></label>
    <label>${esc(t('to'))}<select name="to_school_id" id="plan-to" required></select></label>
    <label>${esc(t('kind'))}<select name="kind" id="plan-kind" required></select></label>
    <label>${esc(t('host_post'))}<input name="host_post" id="plan-post" size="14" required></label></div>
    <p class="muted" id="plan-hint" data-testid="plan-hint"></p>
    <div class="actions"><label>${esc(t('term'))}<select name="term" id="plan-term">
      <option value="autumn">${esc(fmtTerm(year, 'autumn'))}</option><option value="spring">${esc(fmtTerm(year, 'spring'))}</option><option value="dates">${esc(t('dates'))}</option></select></label>
    <label>${esc(t('start'))}<input type="date" name="start" id="plan-start"></label><label>${esc(t('end'))}<input type="date" name="end" id="plan-end"></label>
    <button type="submit" id="plan-button">${esc(t('plan'))}</button></div></form>`;
  // Destinations: the group's schools but the teacher's own; kinds: those the direction from
  // the teacher's school to the destination allows (E-02, E-03) and the policy enables.
  const planFor = () => {
    const form = document.getElementById('plan-form');
    if (!form) return; // the page was left while its rosters loaded
    const f = form.elements;
    const home = homeOf.get(f.teacher_id.value);
    const to = f.to_school_id.value;
    f.to_school_id.innerHTML = `<option value="">${esc(t('choose'))}</option>` + members.filter(m => m.school_id !== home)
      .map(m => `<option value="${m.school_id}">${esc(m.school_name)}</option>`).join('');
    f.to_school_id.value = to !== home ? to : '';
    const kind = f.kind.value;
    const kinds = allowedPostingKinds(roleOf.get(home), roleOf.get(f.to_school_id.value), policy);
    f.kind.innerHTML = kinds.length ? kinds.map(k => `<option value="${k}">${esc(en('posting_kind', k))}</option>`).join('')
      : `<option value="">${esc(bi('先选择教师和接收学校', 'choose the teacher and the destination first'))}</option>`;
    if (kinds.includes(kind)) f.kind.value = kind;
    q('#plan-hint').textContent = home && f.to_school_id.value && !kinds.length
      ? bi('这两所学校之间不能安排交流:挂职、任职由龙头学校派往成员学校,跟岗学习由成员学校派往龙头学校(E-02、E-03)',
        'No posting goes between these two schools: secondment and post holding go from the lead school to a member, shadowing from a member to the lead (E-02, E-03)')
      : policy && !policy.support_postings ? bi('本地区政策未启用支教、走教(E-12)', "The region's policy does not enable support or itinerant postings (E-12)") : '';
  };
  q('#plan-teacher').addEventListener('change', planFor);
  q('#plan-to').addEventListener('change', planFor);
  // own dates only when the term says so
  q('#plan-term').addEventListener('change', e => {
    const dates = e.target.value === 'dates';
    q('#plan-start').required = dates;
    q('#plan-end').required = dates;
  });
  planFor();
  q('#plan-form').addEventListener('submit', async e => {
    e.preventDefault();
    const f = e.target.elements;
    const term = f.term.value === 'dates'
      ? { type: 'dates', start: f.start.value, end: f.end.value }
      : { type: 'semester', school_year: year, semester: f.term.value };
    const body = { teacher_id: f.teacher_id.value, to_school_id: f.to_school_id.value, kind: f.kind.value, host_post: f.host_post.value, term };
    if (await act(q('#plan-button'), () => api('POST', `/groups/${groupId}/postings`, body, { headers: { 'Idempotency-Key': idempotencyKey() } }), t('planned'))) {
      loadPostings();
      loadRotation();
    }
  });
  let shownPostings = new Map();
  const loadRotation = () => fill(q('#rotation'), async () => rotationChart(await api('GET', `/groups/${groupId}/rotation?year=${year}`)));
  const loadPostings = () => fill(q('#postings'), async () => {
    const page = await api('GET', `/groups/${groupId}/postings?school_year=${year}&limit=200${mine ? `&school_id=${mine}` : ''}`);
    shownPostings = new Map(page.items.map(p => [p.id, p]));
    const bySemester = { autumn: [], spring: [] };
    for (const p of page.items) (bySemester[semesterOf(p.start)] ?? bySemester.spring).push(p);
    const rowsOf = items => items.map(p => [
      `${esc(p.teacher_name)}${p.backbone !== 'none' ? ` <small>${esc(en('backbone', p.backbone))}</small>` : ''}`,
      `${esc(nameOf(names, p.from_school_id))} → ${esc(nameOf(names, p.to_school_id))}`, esc(en('posting_kind', p.kind)), esc(p.host_post),
      `${fmtDate(p.start)} – ${fmtDate(p.end)}`, `${badge('posting_status', p.status)} ${p.status === 'confirmed' ? badge('posting_phase', p.phase) : ''}${consentNote(p)}`,
      ['proposed', 'confirmed'].includes(p.status) && p.phase !== 'completed' ? `<div class="actions">${p.status === 'proposed' && p.consent?.status !== 'pending' ? `<button type="button" class="secondary" data-confirm="${p.id}">${esc(t('confirm'))}</button>` : ''}` +
        (p.status === 'confirmed' && p.phase === 'active' ? `<button type="button" class="secondary" data-end="${p.id}">${esc(bi('提前结束', 'End early'))}</button>`
          : `<button type="button" class="secondary" data-cancel="${p.id}">${esc(t('cancel'))}</button>`) + '</div>' : '']);
    const head = [t('teacher'), `${t('from')} → ${t('to')}`, t('kind'), t('host_post'), t('term'), t('status'), t('actions')];
    return ['autumn', 'spring'].map(s => `<h3>${esc(fmtTerm(year, s))}</h3>${table(head, rowsOf(bySemester[s]), `postings-${s}`)}`).join('');
  }).then(shown => {
    if (!shown) return;
    q('#postings').querySelectorAll('[data-confirm]').forEach(b => b.addEventListener('click', async () => {
      if (await act(b, () => api('POST', `/postings/${b.dataset.confirm}/confirm`), t('confirmed_ok'))) { loadPostings(); loadRotation(); }
    }));
    q('#postings').querySelectorAll('[data-cancel], [data-end]').forEach(b => b.addEventListener('click', async () => {
      const ending = 'end' in b.dataset;
      const p = shownPostings.get(b.dataset.cancel ?? b.dataset.end);
      const reason = await reasonDialog({
        title: ending ? bi('提前结束这项交流', 'End this posting early') : bi('取消这项交流安排', 'Cancel this posting'),
        facts: [[t('teacher'), p.teacher_name], [`${t('from')} → ${t('to')}`, `${nameOf(names, p.from_school_id)} → ${nameOf(names, p.to_school_id)}`],
          [t('kind'), en('posting_kind', p.kind)], [t('term'), `${fmtDate(p.start)} – ${fmtDate(p.end)}`]],
        confirmText: ending ? bi('提前结束', 'End early') : bi('取消交流', 'Cancel the posting'),
      });
      if (reason === null) return;
      const step = ending ? 'end' : 'cancel';
      if (await act(b, () => api('POST', `/postings/${p.id}/${step}`, { reason }), ending ? bi('已结束', 'Ended') : t('cancelled_ok'))) { loadPostings(); loadRotation(); }
    }));
    loadRoster();
  });
  const loadRoster = () => fill(q('#roster'), async () => {
    const page = await api('GET', `/groups/${groupId}/postings?school_year=${year}&limit=200${mine ? `&school_id=${mine}` : ''}`);
    const live = page.items.filter(p => ['proposed', 'confirmed'].includes(p.status));
    const where = (teacherId, sem) => live.filter(p => p.teacher_id === teacherId && semesterOf(p.start) === sem)
      .map(p => `${esc(nameOf(names, p.to_school_id))} <small>${esc(en('posting_status', p.status))}</small>`).join('<br>');
    return table([t('teacher'), t('home_school'), t('backbone'), fmtTerm(year, 'autumn'), fmtTerm(year, 'spring')], teachers.map(tc => [
      `${esc(tc.name)} <small class="muted">${esc(tc.subject)}</small>`, esc(nameOf(names, tc.home_school_id)), esc(en('backbone', tc.backbone)),
      where(tc.id, 'autumn'), where(tc.id, 'spring')]), 'roster');
  });
  loadRotation();
  loadPostings();
}
