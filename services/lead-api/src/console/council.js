// edugroup console: a group's council meetings (理事会), one meeting with its attendance,
// motions, votes and minutes, and the quarterly report. Loaded before app.js, whose helpers
// (t, bi, api, act, fill, …) it calls once a page runs; app.js routes #/group/…/meetings and
// #/meeting/… here.
'use strict';

// ---------------------------------------------------------------- a group: council meetings

async function pageMeetings(groupId) {
  const year = schoolYearOf(today());
  const lead = state.claims.role === 'lead_admin';
  main().innerHTML = `<h1>${esc(t('meetings'))} <small class="muted" id="group-title"></small></h1><div id="charter-in-force"></div>
    <section class="card"><h2>${esc(t('cadence'))}</h2><div class="actions"><label>${esc(bi('年份', 'Year'))}<select id="cadence-year">${
      [0, 1, 2, 3, 4, 5].map(n => new Date().getFullYear() - n).map(y => `<option value="${y}">${y}</option>`).join('')}</select></label></div><div id="cadence"></div></section>
    <section class="card"><h2>${esc(t('meeting_list'))}</h2>
      <div class="actions"><button type="button" class="secondary" id="meetings-ics">${esc(bi('导出到日历(.ics)', 'Add to a calendar (.ics)'))}</button></div>
      <div id="meetings">${esc(t('loading'))}</div></section>
    ${lead ? `<section class="card"><h2>${esc(t('new_meeting'))}</h2><form id="meeting-form">
      <div class="actions"><label>${esc(t('meeting_kind'))}<select name="kind">${options('meeting_kind', 'council')}</select></label>
      <label>${esc(t('meeting_title'))}<input name="title" id="meeting-title" size="24" required></label>
      <label>${esc(t('held_on'))}<input type="date" name="held_on" id="meeting-date" required></label>
      <label>${esc(t('start_time'))}<input type="time" name="start_time"></label>
      <label>${esc(t('place'))}<input name="place" size="20" required></label></div>
      <label>${esc(t('agenda'))}<textarea name="agenda" id="meeting-agenda"></textarea></label>
      <div class="actions"><button type="submit" id="meeting-create">${esc(t('create'))}</button></div></form></section>` : ''}
    <section class="card"><h2>${esc(t('reports'))}</h2><div id="reports"></div></section>`;
  api('GET', `/groups/${groupId}`).then(g => { q('#group-title').textContent = g.name; }).catch(() => {});
  groupTrail(groupId, [`#/group/${groupId}/meetings`, t('meetings')]);
  // the charter and plan in force, which the council adopted (G-14, G-07): charter.js
  fill(q('#charter-in-force'), () => charterInForceHtml(groupId));
  // the group's meetings as RFC 5545, for the clerk's calendar program
  q('#meetings-ics').addEventListener('click', e => openDocument(e.currentTarget, `/groups/${groupId}/meetings.ics`, 'meetings.ics'));
  // past years too: a group loaded with its past meetings shows its earlier cadence
  const loadCadence = () => fill(q('#cadence'), async () => {
    const c = await api('GET', `/groups/${groupId}/council/cadence?year=${encodeURIComponent(q('#cadence-year').value)}`);
    return `<div class="chips" data-testid="cadence">${c.months.map(m => `<span class="badge ${m.state === 'met' ? 'met' : m.state === 'missing' ? 'missing' : ''}">${bi(`${m.month}月`, `M${m.month}`)} ${esc(en('month_state', m.state))}</span>`).join('')}</div>`;
  });
  q('#cadence-year').addEventListener('change', loadCadence);
  loadCadence();
  fill(q('#meetings'), async () => {
    const page = await newest(`/groups/${groupId}/meetings`);
    return table([t('held_on'), t('meeting_title'), t('meeting_kind'), t('quorum'), t('motions'), t('minutes')], page.items.map(m => [
      fmtSchoolDate(m.held_on), `<a href="#/meeting/${m.id}">${esc(m.title)}</a>`, esc(en('meeting_kind', m.kind)),
      m.quorum ? (m.quorum.met ? badge('motion_status', 'passed').replace(esc(en('motion_status', 'passed')), esc(t('quorum_met'))) : `<span class="badge missing">${esc(t('quorum_not_met'))}</span>`) : '',
      String(m.motions.length), m.minutes ? badge('minutes_status', m.minutes.status) : '']), 'meetings', { total: page.total });
  });
  fill(q('#reports'), async () => {
    const list = await api('GET', `/groups/${groupId}/reports`);
    return table([t('period'), t('due'), t('status'), t('actions')], list.map(r => [
      esc(fmtPeriod(r.period)), fmtDate(r.due_on), badge('report_state', r.state),
      `<div class="actions"><button type="button" class="secondary" data-print="${esc(r.period)}">${esc(t('print'))}</button>` +
      (lead && ['due', 'overdue', 'open'].includes(r.state) ? `<button type="button" class="secondary" data-report="${esc(r.period)}">${esc(t('submit_report'))}</button>` : '') + '</div>']), 'reports');
  }).then(shown => {
    if (!shown) return;
    q('#reports').querySelectorAll('[data-print]').forEach(b => b.addEventListener('click', () => openDocument(b, `/api/v1/groups/${groupId}/reports/${b.dataset.print}/print`)));
    q('#reports').querySelectorAll('[data-report]').forEach(b => b.addEventListener('click', () => reportForm(groupId, b.dataset.report, b)));
  });
  const form = document.querySelector('#meeting-form');
  if (form) {
    form.addEventListener('submit', async e => {
      e.preventDefault();
      const f = form.elements;
      const agenda = f.agenda.value.split('\n').map(l => l.trim()).filter(Boolean).map(l => {
        const [title, owner] = l.split('|').map(s => s.trim());
        return { title, owner: owner || bi('集团办公室', 'group office') };
      });
      const body = { kind: f.kind.value, title: f.title.value, held_on: f.held_on.value, start_time: f.start_time.value ? `${f.start_time.value}:00` : null, place: f.place.value || null, agenda };
      let created = null;
      if (await act(q('#meeting-create'), async () => { created = await api('POST', `/groups/${groupId}/meetings`, body, { headers: { 'Idempotency-Key': idempotencyKey() } }); }, t('created'))) {
        location.hash = `#/meeting/${created.id}`;
      }
    });
  }
}

// The quarter's report form under its button: a second click closes it again, and a click
// while it loads adds nothing.
async function reportForm(groupId, period, button) {
  const cell = button.closest('td');
  const open = cell.querySelector('form.report-form');
  if (open || button.getAttribute('aria-busy') === 'true') {
    open?.remove();
    button.setAttribute('aria-expanded', 'false');
    return;
  }
  button.setAttribute('aria-busy', 'true');
  const report = await api('GET', `/groups/${groupId}/reports/${period}`).catch(err => { placeAfter(button, refusalHtml(err)); return null; })
    .finally(() => button.removeAttribute('aria-busy'));
  if (!report) return;
  button.setAttribute('aria-expanded', 'true');
  cell.insertAdjacentHTML('beforeend', `<form class="report-form"><p>${esc(t('decisions'))}:</p>${report.decisions.map(d =>
    `<label class="check"><input type="checkbox" name="decision" value="${d.id}" checked> ${esc(d.title)} <small>${fmtDate(d.decided_on)}</small></label>`).join('') || `<p class="muted">${esc(t('none'))}</p>`}
    <label>${esc(t('summary'))}<textarea name="summary" required></textarea></label><div class="actions"><button type="submit">${esc(t('submit_report'))}</button></div></form>`);
  const form = cell.querySelector('form.report-form');
  form.addEventListener('submit', async e => {
    e.preventDefault();
    const body = { summary: form.elements.summary.value, decision_ids: [...form.querySelectorAll('[name=decision]:checked')].map(i => i.value) };
    if (await act(form.querySelector('button'), () => api('POST', `/groups/${groupId}/reports/${period}`, body), t('submitted'))) setTimeout(() => pageMeetings(groupId), 600);
  });
}

// A page about one meeting: the meeting, or null once its refusal is shown in `#<id>`.
async function meetingFor(meetingId, id) {
  main().innerHTML = `<div id="${id}">${esc(t('loading'))}</div>`;
  try {
    return await api('GET', `/meetings/${meetingId}`);
  } catch (err) {
    q(`#${id}`).innerHTML = refusalHtml(err);
    return null;
  }
}

async function pageMeeting(meetingId) {
  const m = await meetingFor(meetingId, 'meeting');
  if (!m) return;
  groupTrail(m.group_id, [`#/group/${m.group_id}/meetings`, t('meetings')], [`#/meeting/${m.id}`, m.title]);
  const lead = state.claims.role === 'lead_admin';
  // attendance, motions and votes open on the meeting's day; published minutes close them
  const heldYet = m.held_on <= today();
  const published = m.minutes?.status === 'published';
  const editable = lead && heldYet && !published;
  const names = await schools().catch(() => new Map());
  const present = m.attendance.filter(a => a.present);
  // the roll: the attendance recorded, or else the council's seats as they are now
  const seats = await api('GET', `/groups/${m.group_id}/council`).then(c => c.seats).catch(() => []);
  const roll = m.attendance.length ? m.attendance
    : seats.map(s => ({ seat_id: s.id, holder_name: s.holder_name, role: s.role, school_id: s.school_id, present: false }));
  const motionHtml = mo => {
    const tl = mo.tally;
    const voteRows = present.map(a => {
      const cast = mo.votes.find(v => v.seat_id === a.seat_id);
      return `<tr><td>${esc(a.holder_name)} <small class="muted">${esc(en('seat_role', a.role))}</small></td><td>${cast ? esc(en('choice', cast.choice))
        : `<select name="${a.seat_id}" aria-label="${esc(`${a.holder_name} · ${t('cast_votes')}`)}"><option value="">${esc(t('pending'))}</option>${options('choice')}</select>`}</td></tr>`;
    }).join('');
    return `<section class="card motion" data-motion="${mo.id}"><h3>${esc(mo.title)} ${badge('motion_status', mo.status)} ${mo.major ? `<span class="badge">${esc(t('major'))}</span>` : ''}</h3>
      <p class="muted">${esc(en('category', mo.category))}${mo.subject_school_id ? ` · ${esc(nameOf(names, mo.subject_school_id))}` : ''} ·
      ${esc(t('tally'))}: <span data-testid="tally">${esc(t('yes'))} ${tl.yes} · ${esc(t('no'))} ${tl.no} · ${esc(t('abstain'))} ${tl.abstain} · ${esc(t('recused'))} ${tl.recused} · ${esc(t('pending'))} ${tl.pending}</span></p>
      ${mo.status === 'open' && editable ? `<form class="vote-form"><table>${voteRows}</table><div class="actions"><button type="submit" class="vote-button">${esc(t('cast_votes'))}</button></div></form>` : ''}</section>`;
  };
  const minutes = m.minutes;
  q('#meeting').innerHTML = `<h1 data-testid="meeting-title">${esc(m.title)}</h1>
    <p>${esc(en('meeting_kind', m.kind))} · ${fmtSchoolDate(m.held_on)}${m.start_time ? ` ${esc(m.start_time.slice(0, 5))}` : ''}${m.place ? ` · ${esc(m.place)}` : ''}</p>
    <section class="card"><h2>${esc(t('agenda').split('(')[0])}</h2><ol>${m.agenda.map(a => `<li>${esc(a.title)} <small class="muted">${esc(a.owner)}</small></li>`).join('')}</ol></section>
    ${heldYet ? `<section class="card"><h2>${esc(t('attendance'))} ${m.quorum ? `<small>${esc(t('quorum'))}: ${m.quorum.present}/${m.quorum.seats} (${esc(m.quorum.met ? t('quorum_met') : t('quorum_not_met'))}, ≥ ${m.quorum.needed})</small>` : ''}</h2>
      <form id="attendance-form">${roll.map(a => `<label class="check"><input type="checkbox" name="present" value="${a.seat_id}"${a.present ? ' checked' : ''}${editable ? '' : ' disabled'}>
        ${esc(a.holder_name)} · ${esc(en('seat_role', a.role))} · <small>${esc(nameOf(names, a.school_id))}</small></label>`).join('')}
      ${editable ? `<div class="actions"><button type="submit" id="attendance-save">${esc(t('save_attendance'))}</button></div>` : ''}</form></section>`
    : `<section class="card" data-testid="not-yet"><p>${esc(bi(`会议将于 ${fmtSchoolDate(m.held_on)} 召开;当天起可登记出席、提出议题和表决,会后撰写纪要。`,
      `The meeting is on ${fmtSchoolDate(m.held_on)}: attendance, motions and votes open that day, the minutes after it.`))}</p></section>`}
    ${heldYet ? `<h2>${esc(t('motions'))}</h2><div id="motions">${m.motions.map(motionHtml).join('') || `<p class="muted">${esc(t('no_rows'))}</p>`}</div>` : ''}
    ${editable ? `<section class="card"><h3>${esc(t('new_motion'))}</h3><form id="motion-form" class="inline">
      <label>${esc(t('meeting_title'))}<input name="title" id="motion-title" size="28" required></label>
      <label>${esc(t('category'))}<select name="category">${options('category', 'work_plan')}</select></label>
      <label class="check"><input type="checkbox" name="major"> ${esc(t('major'))}</label>
      <label>${esc(t('subject_school'))}<select name="subject_school_id"><option value="">—</option>${[...new Set(roll.map(a => a.school_id))].map(s => `<option value="${s}">${esc(nameOf(names, s))}</option>`).join('')}</select></label>
      <button type="submit" id="motion-create">${esc(t('create'))}</button></form></section>` : ''}
    ${heldYet ? `<section class="card"><h2>${esc(t('minutes'))} ${minutes ? badge('minutes_status', minutes.status) : ''}</h2>
      <form id="minutes-form"><textarea name="text" id="minutes-text" aria-label="${esc(t('minutes'))}"${editable ? '' : ' readonly'}>${esc(minutes?.text ?? '')}</textarea>
      ${editable ? `<div class="actions"><button type="submit" id="minutes-save">${esc(t('save_minutes'))}</button>
        <button type="button" class="secondary" id="minutes-circulate">${esc(t('circulate'))}</button>
        <button type="button" class="secondary" id="minutes-publish">${esc(t('publish'))}</button></div>` : ''}</form>
      ${published ? `<p><a href="#/meeting/${m.id}/corrections" id="minutes-corrections">${esc(bi(`更正记录(${minutes.corrections.length})`, `Corrections (${minutes.corrections.length})`))}</a></p>` : ''}</section>` : ''}`;
  const reload = () => setTimeout(() => pageMeeting(meetingId), 500);
  if (!editable) return;
  q('#attendance-form').addEventListener('submit', async e => {
    e.preventDefault();
    const ids = [...document.querySelectorAll('#attendance-form [name=present]:checked')].map(i => i.value);
    if (await act(q('#attendance-save'), () => api('POST', `/meetings/${meetingId}/attendance`, { present: ids }), t('saved'))) reload();
  });
  q('#motion-form').addEventListener('submit', async e => {
    e.preventDefault();
    const f = e.target.elements;
    const body = { title: f.title.value, category: f.category.value, major: f.major.checked, subject_school_id: f.subject_school_id.value || null };
    if (await act(q('#motion-create'), () => api('POST', `/meetings/${meetingId}/motions`, body, { headers: { 'Idempotency-Key': idempotencyKey() } }), t('created'))) reload();
  });
  document.querySelectorAll('form.vote-form').forEach(form => form.addEventListener('submit', async e => {
    e.preventDefault();
    const motionId = form.closest('[data-motion]').dataset.motion;
    const votes = [...form.querySelectorAll('select')].filter(s => s.value).map(s => ({ seat_id: s.name, choice: s.value }));
    if (await act(form.querySelector('button'), () => api('POST', `/motions/${motionId}/votes`, { votes }), t('saved'))) reload();
  }));
  q('#minutes-form').addEventListener('submit', async e => {
    e.preventDefault();
    if (await act(q('#minutes-save'), () => api('PUT', `/meetings/${meetingId}/minutes`, { text: q('#minutes-text').value }), t('saved'))) reload();
  });
  q('#minutes-circulate').addEventListener('click', async e => {
    if (await act(e.target, () => api('POST', `/meetings/${meetingId}/minutes/circulate`), t('saved'))) reload();
  });
  q('#minutes-publish').addEventListener('click', async e => {
    if (await act(e.target, () => api('POST', `/meetings/${meetingId}/minutes/publish`), t('saved'))) reload();
  });
}

// Published minutes never change (the API refuses `minutes_published`): a correction is a
// record of its own, with its reason, beside them.
async function pageCorrections(meetingId) {
  const m = await meetingFor(meetingId, 'corrections');
  if (!m) return;
  groupTrail(m.group_id, [`#/group/${m.group_id}/meetings`, t('meetings')], [`#/meeting/${m.id}`, m.title],
    [`#/meeting/${m.id}/corrections`, bi('纪要更正', 'Corrections')]);
  const minutes = m.minutes;
  const published = minutes?.status === 'published';
  const lead = state.claims.role === 'lead_admin';
  const list = published ? table([bi('更正内容', 'Correction'), t('reason'), bi('提交人', 'By'), bi('时间', 'When')],
    minutes.corrections.map(c => [esc(c.text), esc(c.reason), esc(c.by), fmtDateTime(c.created_at)]), 'corrections') : '';
  q('#corrections').innerHTML = `<h1 data-testid="corrections-title">${esc(bi('会议纪要更正', 'Corrections to the minutes'))} <small class="muted">${esc(m.title)} · ${fmtSchoolDate(m.held_on)}</small></h1>
    ${published ? `<section class="card"><h2>${esc(t('minutes'))} ${badge('minutes_status', minutes.status)}</h2><p class="minutes">${esc(minutes.text)}</p></section>
    <section class="card"><h2>${esc(bi('更正记录', 'Corrections'))}</h2>${list}</section>
    ${lead ? `<section class="card"><h2>${esc(bi('新增更正', 'Add a correction'))}</h2><form id="correction-form">
      <label>${esc(bi('更正内容', 'Correction'))}<textarea name="text" id="correction-text" required></textarea></label>
      <label>${esc(t('reason'))}<input name="reason" id="correction-reason" size="40" required></label>
      <div class="actions"><button type="submit" id="correction-submit">${esc(bi('提交更正', 'Submit the correction'))}</button></div></form></section>` : ''}`
    : `<p class="muted" data-testid="not-published">${esc(bi('会议纪要发布后才能更正;发布前请在会议页面修改草稿。', 'Minutes take corrections once published; until then, edit the draft on the meeting page.'))}</p>`}`;
  const form = document.querySelector('#correction-form');
  if (!form) return;
  form.addEventListener('submit', async e => {
    e.preventDefault();
    const body = { text: form.elements.text.value.trim(), reason: form.elements.reason.value.trim() };
    if (await act(q('#correction-submit'), () => api('POST', `/meetings/${meetingId}/minutes/corrections`, body, { headers: { 'Idempotency-Key': idempotencyKey() } }), t('saved'))) {
      setTimeout(() => pageCorrections(meetingId), 500);
    }
  });
}

// What a refusal leads to next, when the console has a page for it (refusalHtml adds it).
function refusalNextStep(problem) {
  const meeting = location.hash.match(/^#\/meeting\/([0-9a-f-]+)/)?.[1];
  if (problem.code === 'minutes_published' && meeting) {
    return `<a class="next" href="#/meeting/${meeting}/corrections">${esc(bi('前往会议纪要更正页面', 'Go to the corrections of these minutes'))}</a>`;
  }
  return '';
}
