// edugroup console: the group's own administration on the group's page. The management
// office at the lead school (G-10, G-11: one director, up to two deputies, every appointment
// kept), the member principals who are vice-principals of the lead school outside its quota
// (G-13), and the lead school's recommendations about member schools' leaders, which the
// bureau decides (G-12). The lead office appoints, records and recommends; the bureau
// decides; a member school's office reads its own recommendations. Loaded before app.js,
// whose helpers (t, bi, api, act, fill, table, …) it calls once a page runs.
'use strict';

const OFFICE_POSTS = { director: ['主任', 'Director'], deputy_director: ['副主任', 'Deputy director'] };
const LEADER_POSTS = { principal: ['校长', 'Principal'], vice_principal: ['副校长', 'Vice-principal'], party_secretary: ['党组织书记', 'Party secretary'] };
const LEADER_ACTIONS = { appoint: ['任命', 'Appoint'], remove: ['免职', 'Remove'] };
const RECOMMENDATION_STATUS = { proposed: ['待教育局决定', 'Waiting for the bureau'], accepted: ['已采纳', 'Accepted'], rejected: ['未采纳', 'Rejected'] };
const officeWord = pair => bi(pair[0], pair[1]);
const officeOptions = (map) => Object.entries(map).map(([k, v]) => `<option value="${k}">${esc(officeWord(v))}</option>`).join('');

function groupOffice(g, members) {
  const claims = state.claims;
  const leadOffice = claims.role === 'lead_admin' && claims.school_id === g.lead_school_id && g.status === 'active';
  const bureau = claims.role === 'bureau' && claims.region === g.region && g.status === 'active';
  const active = members.filter(m => !m.left_at && m.role === 'member');
  const schoolName = id => members.find(m => m.school_id === id)?.school_name ?? id;
  const el = q('#office');
  const load = () => fill(el, async () => {
    const office = await api('GET', `/groups/${g.id}/office`);
    const staffed = office.staffed
      ? `<p data-testid="office-staffed">${esc(bi('主任', 'Director'))}: <b>${esc(office.director.person_name)}</b>` +
        `${office.deputies.length ? ` · ${esc(bi('副主任', 'Deputies'))}: ${office.deputies.map(d => esc(d.person_name)).join('、')}` : ''}</p>`
      : `<p class="refusal" data-testid="office-unstaffed">${esc(bi('集团管理办公室尚未任命主任(G-10)', 'The group office has no director yet (G-10)'))}</p>`;
    const history = table([bi('职务', 'Post'), bi('姓名', 'Name'), bi('工号', 'Staff no.'), bi('任职', 'From'), bi('离任', 'Until'), ''],
      office.history.map(a => [esc(officeWord(OFFICE_POSTS[a.post])), esc(a.person_name), esc(a.staff_no ?? ''), fmtSchoolDate(a.appointed_on),
        a.ended_on ? `${fmtSchoolDate(a.ended_on)} <small class="muted">${esc(a.end_reason ?? '')}</small>` : '',
        leadOffice && !a.ended_on ? `<button type="button" class="secondary" data-end-office="${esc(a.id)}">${esc(bi('离任', 'End'))}</button>` : '']), 'office-history');
    const cross = table([bi('成员学校', 'Member school'), bi('校长', 'Principal'), bi('龙头学校职务', 'Post at the lead'), bi('任职', 'From'), bi('离任', 'Until'), ''],
      office.cross_appointments.map(c => [esc(schoolName(c.school_id)), esc(c.person_name),
        `${esc(officeWord(LEADER_POSTS[c.post]))} <small class="muted">${esc(bi('不占职数', 'outside the quota'))} G-13</small>`, fmtSchoolDate(c.appointed_on),
        c.ended_on ? fmtSchoolDate(c.ended_on) : '',
        leadOffice && !c.ended_on ? `<button type="button" class="secondary" data-end-cross="${esc(c.id)}">${esc(bi('离任', 'End'))}</button>` : '']), 'cross-appointments');
    const recs = table([bi('成员学校', 'Member school'), bi('建议', 'Recommends'), bi('姓名', 'Name'), t('reason'), t('status'), ''],
      office.recommendations.map(r => [esc(schoolName(r.school_id)), `${esc(officeWord(LEADER_ACTIONS[r.action]))} ${esc(officeWord(LEADER_POSTS[r.post]))}`, esc(r.person_name),
        esc(r.reason), `${esc(officeWord(RECOMMENDATION_STATUS[r.status]))}${r.decision_note ? ` <small class="muted">${esc(r.decision_note)}</small>` : ''}`,
        bureau && r.status === 'proposed'
          ? `<div class="actions" data-recommendation="${esc(r.id)}"><button type="button" class="secondary" data-accept="true">${esc(bi('采纳', 'Accept'))}</button>` +
            `<button type="button" class="secondary" data-accept="false">${esc(bi('不予采纳', 'Reject'))}</button></div>`
          : '']), 'leader-recommendations');
    return `${staffed}<h3>${esc(bi('任职记录', 'Appointments'))}</h3>${history}
      <h3>${esc(bi('成员学校校长兼任龙头学校副校长', 'Member principals as vice-principals of the lead'))} <small class="muted">G-13</small></h3>${cross}
      <h3>${esc(bi('成员学校领导任免建议', 'Leader recommendations'))} <small class="muted">G-12</small></h3>${recs}`;
  }).then(shown => {
    if (!shown) return;
    const end = (attr, path) => el.querySelectorAll(`[${attr}]`).forEach(button => button.addEventListener('click', async () => {
      const reason = await reasonDialog({ title: bi('结束任职', 'End the appointment'), facts: [[bi('姓名', 'Name'), button.closest('tr').cells[1].textContent]], confirmText: bi('离任', 'End') });
      if (reason === null) return;
      const body = { ended_on: today(), reason };
      if (await act(button, () => api('POST', `/groups/${g.id}/${path}/${button.getAttribute(attr)}/end`, body, { headers: { 'Idempotency-Key': idempotencyKey() } }), t('saved'))) load();
    }));
    end('data-end-office', 'office/appointments');
    end('data-end-cross', 'cross-appointments');
    el.querySelectorAll('[data-accept]').forEach(button => button.addEventListener('click', async () => {
      const id = button.closest('[data-recommendation]').dataset.recommendation;
      const body = { accept: button.dataset.accept === 'true' };
      if (await act(button, () => api('POST', `/groups/${g.id}/leader-recommendations/${id}/decision`, body, { headers: { 'Idempotency-Key': idempotencyKey() } }), t('saved'))) load();
    }));
  });
  load();
  if (!leadOffice) return;
  const memberOptions = active.map(m => `<option value="${esc(m.school_id)}">${esc(m.school_name)}</option>`).join('');
  q('#office-forms').innerHTML = `<form id="office-form" class="inline"><label>${esc(bi('职务', 'Post'))}<select name="post">${officeOptions(OFFICE_POSTS)}</select></label>
      <label>${esc(bi('姓名', 'Name'))}<input name="person_name" size="10" required maxlength="50"></label>
      <label>${esc(bi('工号', 'Staff no.'))}<input name="staff_no" size="8" maxlength="32"></label>
      <label>${esc(bi('任职日期', 'From'))}<input type="date" name="appointed_on" required value="${today()}"></label>
      <button type="submit" id="office-button">${esc(bi('任命', 'Appoint'))}</button></form>
    <form id="cross-form" class="inline"><label>${esc(bi('成员学校校长兼任副校长', 'Member principal as vice-principal'))}<select name="school_id" required><option value="">${esc(t('choose'))}</option>${memberOptions}</select></label>
      <label>${esc(bi('任职日期', 'From'))}<input type="date" name="appointed_on" required value="${today()}"></label>
      <button type="submit" id="cross-button">${esc(bi('登记', 'Record'))}</button></form>
    <form id="recommend-form" class="inline"><label>${esc(bi('成员学校', 'Member school'))}<select name="school_id" required><option value="">${esc(t('choose'))}</option>${memberOptions}</select></label>
      <label>${esc(bi('建议', 'Recommend'))}<select name="action">${officeOptions(LEADER_ACTIONS)}</select></label>
      <label>${esc(bi('职务', 'Post'))}<select name="post">${officeOptions(LEADER_POSTS)}</select></label>
      <label>${esc(bi('姓名', 'Name'))}<input name="person_name" size="10" required maxlength="50"></label>
      <label>${esc(t('reason'))}<input name="reason" size="24" required maxlength="1000"></label>
      <button type="submit" id="recommend-button">${esc(bi('提出建议', 'Recommend'))}</button></form>`;
  const submit = (id, button, path, body) => q(id).addEventListener('submit', async e => {
    e.preventDefault();
    const f = e.target.elements;
    if (await act(q(button), () => api('POST', `/groups/${g.id}/${path}`, body(f), { headers: { 'Idempotency-Key': idempotencyKey() } }), t('saved'))) load();
  });
  submit('#office-form', '#office-button', 'office/appointments', f => ({ post: f.post.value, person_name: f.person_name.value, staff_no: f.staff_no.value || null, appointed_on: f.appointed_on.value }));
  submit('#cross-form', '#cross-button', 'cross-appointments', f => ({ school_id: f.school_id.value, appointed_on: f.appointed_on.value }));
  submit('#recommend-form', '#recommend-button', 'leader-recommendations', f => ({ school_id: f.school_id.value, action: f.action.value, post: f.post.value, person_name: f.person_name.value, reason: f.reason.value }));
}

// R-10/M6: the group's sharing agreements (parties, scopes, term), the lead office's form to
// record one and to terminate one, and the school year's postings that no staff-exchange
// agreement covers — flagged for the council's next meeting.
const SHARING_SCOPES = { brand: ['品牌', 'Brand'], management: ['管理理念', 'Management'], institutions: ['制度', 'Institutions'],
  teaching: ['教学', 'Teaching'], research: ['教研', 'Research'], staff_exchange: ['干部教师交流', 'Staff exchange'] };

function groupAgreements(g, members) {
  const claims = state.claims;
  const leadOffice = claims.role === 'lead_admin' && claims.school_id === g.lead_school_id && g.status === 'active';
  const active = members.filter(m => !m.left_at);
  const schoolName = id => members.find(m => m.school_id === id)?.school_name ?? id;
  const el = q('#agreements');
  const load = () => fill(el, async () => {
    const a = await api('GET', `/groups/${g.id}/agreements`);
    const list = table([bi('协议', 'Agreement'), bi('协议方', 'Parties'), bi('共享内容', 'Shares'), bi('期限', 'Term'), t('status'), ''],
      a.agreements.map(x => [esc(x.title) + (x.document_ref ? ` <small class="muted">${esc(x.document_ref)}</small>` : ''),
        x.school_ids.map(s => esc(schoolName(s))).join('、'), x.scopes.map(s => esc(officeWord(SHARING_SCOPES[s]))).join('、'),
        `${fmtSchoolDate(x.starts_on)} — ${fmtSchoolDate(x.ends_on)}`,
        x.ended_on ? `${esc(bi('已终止', 'terminated'))} ${fmtSchoolDate(x.ended_on)} <small class="muted">${esc(x.end_reason ?? '')}</small>` : esc(bi('有效', 'in force')),
        leadOffice && !x.ended_on ? `<button type="button" class="secondary" data-end-agreement="${esc(x.id)}">${esc(bi('终止', 'Terminate'))}</button>` : '']), 'agreements');
    const outside = a.postings_outside_agreements;
    const flagged = outside.length
      ? `<p class="refusal" data-testid="postings-outside-agreements">${esc(bi(`本学年有 ${outside.length} 项交流不在任何干部教师交流协议之内,提交理事会审议(R-10)`,
          `${outside.length} posting(s) this school year rest on no staff-exchange agreement: for the council (R-10)`))}</p>` +
        table([t('teacher'), bi('派出', 'From'), bi('接收', 'To'), bi('开始', 'Start')],
          outside.map(p => [esc(p.teacher_name), esc(schoolName(p.from_school_id)), esc(schoolName(p.to_school_id)), fmtSchoolDate(p.start)]), 'outside-agreements')
      : `<p class="muted">${esc(bi('本学年的交流均有协议依据', 'Every posting this school year rests on an agreement'))}</p>`;
    return list + flagged;
  }).then(shown => {
    if (!shown) return;
    el.querySelectorAll('[data-end-agreement]').forEach(button => button.addEventListener('click', async () => {
      const reason = await reasonDialog({ title: bi('终止协议', 'Terminate the agreement'), facts: [[bi('协议', 'Agreement'), button.closest('tr').cells[0].textContent]], confirmText: bi('终止', 'Terminate') });
      if (reason === null) return;
      if (await act(button, () => api('POST', `/groups/${g.id}/agreements/${button.dataset.endAgreement}/end`, { ended_on: today(), reason },
        { headers: { 'Idempotency-Key': idempotencyKey() } }), t('saved'))) load();
    }));
  });
  load();
  if (!leadOffice) return;
  q('#agreement-forms').innerHTML = `<form id="agreement-form" class="inline"><label>${esc(bi('协议名称', 'Title'))}<input name="title" size="20" required maxlength="100"></label>
    <fieldset><legend>${esc(bi('协议方', 'Parties'))}</legend>${active.map(m => `<label><input type="checkbox" name="school_ids" value="${esc(m.school_id)}">${esc(m.school_name)}</label>`).join('')}</fieldset>
    <fieldset><legend>${esc(bi('共享内容', 'Shares'))}</legend>${Object.entries(SHARING_SCOPES).map(([k, v]) => `<label><input type="checkbox" name="scopes" value="${k}">${esc(officeWord(v))}</label>`).join('')}</fieldset>
    <label>${esc(bi('生效', 'From'))}<input type="date" name="starts_on" required value="${today()}"></label>
    <label>${esc(bi('到期', 'Until'))}<input type="date" name="ends_on" required></label>
    <label>${esc(bi('文号', 'Reference'))}<input name="document_ref" size="10" maxlength="100"></label>
    <button type="submit" id="agreement-button">${esc(bi('登记协议', 'Record'))}</button></form>`;
  q('#agreement-form').addEventListener('submit', async e => {
    e.preventDefault();
    const f = e.target;
    const checked = name => [...f.querySelectorAll(`input[name="${name}"]:checked`)].map(i => i.value);
    const body = { title: f.elements.title.value, school_ids: checked('school_ids'), scopes: checked('scopes'), starts_on: f.elements.starts_on.value,
      ends_on: f.elements.ends_on.value, document_ref: f.elements.document_ref.value || null };
    if (await act(q('#agreement-button'), () => api('POST', `/groups/${g.id}/agreements`, body, { headers: { 'Idempotency-Key': idempotencyKey() } }), t('saved'))) load();
  });
}
