// edugroup console: the county overview's coverage card (F-16, F-17). How many of the
// county's junior schools a group covers against the policy's line, the schools no group
// covers (a weak school among them is marked: a group should take it in), and the
// weak-school round in force with each school's assessments and plan (一校一案). The bureau
// opens a round, designates and lifts; an auditor reads. Loaded before app.js, whose
// helpers (t, bi, api, act, fill, table, …) it calls once a page runs.
'use strict';

function coverageSection(el, forms) {
  const claims = state.claims;
  const region = claims.region;
  const bureau = claims.role === 'bureau';
  let current = null;
  const load = () => fill(el, async () => {
    const c = await api('GET', `/regions/${region}/coverage`);
    current = c;
    const head = `<p data-testid="coverage">${esc(bi('初中学校集团化覆盖率', 'Junior schools covered by groups'))}:
      <b>${c.covered} / ${c.junior_schools}</b> = <b>${c.covered_pct ?? '—'}%</b>
      ${c.met ? `<span class="badge met">${esc(bi('达标', 'met'))}</span>` : `<span class="badge missing">${esc(bi('未达标', 'below the line'))}</span>`}
      <small class="muted">${esc(bi('底线', 'line'))} ${c.line_pct}% · F-16</small></p>`;
    const uncovered = table([t('school'), t('stage'), bi('薄弱学校', 'Weak school')], c.uncovered.map(s => [esc(s.name), esc(en('stage', s.stage)),
      s.designated_weak ? `<span class="badge missing">${esc(bi('本轮认定', 'designated'))}</span>` : '']), 'uncovered-schools');
    const r = c.round;
    const round = r ? `<h3>${esc(bi('薄弱学校认定', 'Weak-school designation'))} ${esc(`${r.first_school_year}—${r.last_school_year + 1}`)}
        <small class="muted">${esc(bi('认定比例', 'share'))} ${r.designated_share_pct ?? '—'}% / ${esc(bi('目标约', 'about'))} ${r.target_share_pct}% · F-17</small></h3>
      <p class="muted">${esc(r.basis)}</p>` +
      table([t('school'), bi('近三年评估', 'Last three years'), bi('一校一案', 'Its plan'), bi('所在集团', 'Group'), t('status'), ''],
        r.designations.map(d => [esc(d.school_name), esc(d.assessment), `<small>${esc(d.plan)}</small>`,
          d.group_id ? `<a href="#/group/${esc(d.group_id)}">${esc(bi('已入集团', 'in a group'))}</a>` : `<span class="badge missing">${esc(bi('未入集团', 'in no group'))}</span>`,
          d.lifted_on ? `${esc(bi('已撤销', 'lifted'))} ${fmtSchoolDate(d.lifted_on)} <small class="muted">${esc(d.lift_reason ?? '')}</small>` : esc(bi('在册', 'listed')),
          bureau && !d.lifted_on ? `<button type="button" class="secondary" data-lift="${esc(d.id)}">${esc(bi('撤销认定', 'Lift'))}</button>` : '']), 'weak-designations')
      : `<p class="muted" data-testid="no-round">${esc(bi('本学年没有薄弱学校认定轮次', 'No weak-school round this school year'))}</p>`;
    return `${head}<h3>${esc(bi('未纳入集团的初中学校', 'Junior schools in no group'))}</h3>${uncovered}${round}`;
  }).then(shown => {
    if (!shown) return;
    el.querySelectorAll('[data-lift]').forEach(button => button.addEventListener('click', async () => {
      const reason = await reasonDialog({ title: bi('撤销薄弱学校认定', 'Lift the designation'), facts: [[t('school'), button.closest('tr').cells[0].textContent]], confirmText: bi('撤销认定', 'Lift') });
      if (reason === null) return;
      const body = { lifted_on: today(), reason };
      if (await act(button, () => api('POST', `/regions/${region}/weak-school-designations/${button.dataset.lift}/lift`, body, { headers: { 'Idempotency-Key': idempotencyKey() } }), t('saved'))) load();
    }));
    if (bureau) renderForms();
  });
  const renderForms = () => {
    const r = current?.round;
    const candidates = current ? current.uncovered.filter(s => !s.designated_weak) : [];
    forms.innerHTML = r
      ? `<form id="designate-form" class="inline"><label>${esc(t('school'))}<select name="school_id" required><option value="">${esc(t('choose'))}</option>
          ${candidates.map(s => `<option value="${esc(s.school_id)}">${esc(s.name)}</option>`).join('')}</select></label>
          <label>${esc(bi('近三年评估', 'Last three years'))}<input name="assessment" size="16" required maxlength="1000"></label>
          <label>${esc(bi('一校一案', 'Its plan'))}<input name="plan" size="30" required maxlength="4000"></label>
          <button type="submit" id="designate-button">${esc(bi('认定', 'Designate'))}</button></form>`
      : `<form id="round-form" class="inline"><label>${esc(bi('首个学年', 'First school year'))}<select name="first_school_year">${yearOptions(schoolYearOf(today()))}</select></label>
          <label>${esc(bi('认定依据', 'Basis'))}<input name="basis" size="30" required maxlength="500"></label>
          <button type="submit" id="round-button">${esc(bi('开启三年认定轮次', 'Open a three-year round'))}</button></form>`;
    const submit = (id, button, path, body) => q(id)?.addEventListener('submit', async e => {
      e.preventDefault();
      const f = e.target.elements;
      if (await act(q(button), () => api('POST', path, body(f), { headers: { 'Idempotency-Key': idempotencyKey() } }), t('saved'))) load();
    });
    if (r) submit('#designate-form', '#designate-button', `/regions/${region}/weak-school-rounds/${r.id}/designations`,
      f => ({ school_id: f.school_id.value, assessment: f.assessment.value, plan: f.plan.value }));
    else submit('#round-form', '#round-button', `/regions/${region}/weak-school-rounds`,
      f => ({ first_school_year: Number(f.first_school_year.value), basis: f.basis.value }));
  };
  load();
}
