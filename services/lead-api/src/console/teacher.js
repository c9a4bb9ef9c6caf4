// edugroup console: a teacher's own page (#/school for the teacher role): their postings of
// the school year, their training hours against the yearly 72 (E-19) and the meetings of
// their school's group. The API links the token to the teacher's roster row by 工号
// (GET /api/v1/me/teaching). A teacher plans, confirms and records nothing here: no posting
// planner, no obligation ledger, no admission. Loaded before app.js, whose helpers it calls.
'use strict';

const TEACHER_WORDS = {
  my_page: ['我的首页', 'My page'],
  my_own_postings: ['我的交流轮岗', 'My postings'],
  my_hours: ['我的培训学时', 'My training hours'],
  group_meetings: ['集团会议(本校参加)', "The group's meetings (my school attends)"],
  not_on_roster: ['本校本学年名册中没有与您的工号相符的教师,请学校办公室核对名册。', "No teacher on your school's roster of this year has your staff number; ask your school's office to check the roster."],
  no_postings: ['本学年没有您的交流安排。', 'No posting of yours this school year.'],
  hours_of: ['本学年已完成', 'Done this school year'],
};
function tw(key) { const [zh, english] = TEACHER_WORDS[key]; return bi(zh, english); }

// The group's meetings still to come (or not yet held), for a member school's people.
async function upcomingMeetingsHtml(groupId) {
  const page = await newest(`/groups/${groupId}/meetings`);
  const soon = page.items.filter(m => m.held_on >= today() || !m.held);
  return table([t('held_on'), t('meeting_title'), t('meeting_kind'), t('place')], soon.map(m => [
    fmtSchoolDate(m.held_on), `<a href="#/meeting/${m.id}">${esc(m.title)}</a>`, esc(en('meeting_kind', m.kind)), esc(m.place ?? '')]), 'meetings');
}

function teacherPostingsHtml(mine, names) {
  if (!mine.teacher) return `<p class="muted" data-testid="not-on-roster">${esc(tw('not_on_roster'))}</p>`;
  if (!mine.postings.length) return `<p class="muted" data-testid="teacher-postings">${esc(tw('no_postings'))}</p>`;
  return table([`${t('from')} → ${t('to')}`, t('kind'), t('host_post'), t('term'), t('status')], mine.postings.map(p => [
    `${esc(nameOf(names, p.from_school_id))} → ${esc(nameOf(names, p.to_school_id))}`, esc(en('posting_kind', p.kind)), esc(p.host_post),
    `${esc(fmtTerm(p.school_year, semesterOf(p.start) ?? 'autumn'))}<br><small>${fmtDate(p.start)} – ${fmtDate(p.end)}</small>`,
    `${badge('posting_status', p.status)} ${p.status === 'confirmed' ? badge('posting_phase', p.phase) : ''}`]), 'teacher-postings');
}

function teacherHoursHtml(mine) {
  if (!mine.teacher) return '';
  const hours = mine.hours?.hours ?? 0;
  const met = mine.hours?.met ?? false;
  return `<p data-testid="teacher-hours">${esc(tw('hours_of'))} <b>${hours}</b> / ${mine.required_hours} ${esc(bi('学时', 'hours'))}
    <span class="badge ${met ? 'met' : 'upcoming'}">${esc(met ? bi('已达标', 'reached') : bi('未达标', 'not yet'))}</span> <small class="muted">E-19</small></p>`;
}

async function pageTeacher() {
  const claims = state.claims;
  const year = schoolYearOf(today());
  main().innerHTML = `<h1 data-testid="teacher-name">${esc(claims.name || claims.sub)} <small class="muted" id="teacher-school"></small></h1><p id="school-group"></p>
    <div class="grid"><section class="card"><h2>${esc(tw('my_own_postings'))} · ${esc(fmtYear(year))}</h2><div id="teacher-postings">${esc(t('loading'))}</div></section>
    <section class="card"><h2>${esc(tw('my_hours'))} · ${esc(fmtYear(year))}</h2><div id="teacher-hours"></div></section></div>
    <section class="card"><h2>${esc(tw('group_meetings'))}</h2><div id="meetings"></div></section>
    <section class="card"><h2>${esc(t('notifications'))}</h2><div id="feed"></div></section>`;
  const names = await schools().catch(() => new Map());
  q('#teacher-school').textContent = nameOf(names, claims.school_id);
  const mine = await api('GET', `/me/teaching?year=${year}`).catch(err => err);
  if (mine instanceof Error) {
    q('#teacher-postings').innerHTML = refusalHtml(mine);
  } else {
    q('#teacher-postings').innerHTML = teacherPostingsHtml(mine, names);
    q('#teacher-hours').innerHTML = teacherHoursHtml(mine);
  }
  fill(q('#feed'), () => feedHtml(claims.school_id));
  const group = await myGroup().catch(() => null);
  if (!group) {
    q('#school-group').textContent = t('no_group');
    return;
  }
  q('#school-group').innerHTML = `${esc(t('group'))}: <b>${esc(group.name)}</b> · <a href="#/group/${group.id}/catalogue">${esc(t('catalogue'))}</a> · <a href="#/group/${group.id}/meetings">${esc(t('meetings'))}</a>`;
  fill(q('#meetings'), () => upcomingMeetingsHtml(group.id));
}
