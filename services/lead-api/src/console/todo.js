// edugroup console: 待办, what waits for the signed-in office, at the top of its home page:
// what is overdue, what is due, what awaits its decision or confirmation, each with the way
// there. Only what the API already says is counted; nothing is decided here. Loaded before
// app.js, whose helpers (t, bi, api, fill, …) it calls once a page runs.
'use strict';

// One entry of the list: how many, what, and where to act; left out when there is none.
function todoEntry(count, zh, english, href) {
  return { count, zh, english, href };
}

function todoLine({ count, zh, english, href }) {
  return `<li><b>${count}</b> ${esc(bi(zh, english))}${href ? ` · <a href="${esc(href)}">${esc(bi('去处理', 'open'))}</a>` : ''}</li>`;
}

// A count that could not be read is left out rather than shown as zero.
async function counted(read) {
  try { return await read(); } catch { return 0; }
}

// The bureau: consent requests for its schools, draft rounds, overdue quarterly reports.
async function bureauTodo(region) {
  const [consents, postings, drafts, overdue] = await Promise.all([
    counted(async () => (await api('GET', '/consent-requests?status=pending&limit=200')).items.filter(r => r.school_region === region).length),
    counted(async () => (await api('GET', '/posting-consents?status=pending&limit=1')).total),
    counted(async () => (await api('GET', '/evaluation-rounds?status=draft&limit=200')).total),
    counted(async () => (await api('GET', `/regions/${region}/reports/overdue`)).length),
  ]);
  return [
    todoEntry(consents, '项跨县入集团申请待本局同意(F-04)', 'requests for this county’s schools to join a group elsewhere (F-04)', '#/county'),
    todoEntry(postings, '条本县教师跨县交流待本局同意(F-04)', 'postings of this county’s teachers into another county (F-04)', '#/county'),
    todoEntry(drafts, '个考核草稿待复核、完成(V-03)', 'evaluation drafts to review and complete (V-03)', '#/evaluation'),
    todoEntry(overdue, '份集团季度报告逾期未报(G-08)', 'quarterly reports overdue (G-08)', '#/county'),
  ];
}

// A school's office: postings that wait for its confirmation, the obligations overdue this
// month, for the lead office the quarterly reports due, and for a member school's office the
// charter and plan in force it has not acknowledged (M2).
async function officeTodo(groupId, schoolId, lead) {
  const year = schoolYearOf(today());
  const [toConfirm, overdue, reports, unacknowledged] = await Promise.all([
    counted(async () => (await api('GET', `/groups/${groupId}/postings?school_year=${year}&limit=200${lead ? '' : `&school_id=${schoolId}`}`))
      .items.filter(p => p.status === 'proposed' && (lead || p.to_school_id === schoolId)).length),
    counted(async () => (await api('GET', `/groups/${groupId}/obligations?period=${currentMonthPeriod()}${lead ? '' : `&school_id=${schoolId}`}`)).summary.overdue),
    lead ? counted(async () => (await api('GET', `/groups/${groupId}/reports`)).filter(r => ['due', 'overdue'].includes(r.state)).length) : 0,
    lead ? 0 : counted(async () => {
      const c = await api('GET', `/groups/${groupId}/charter`);
      return ['charter', 'development_plan'].filter(k => c[k]?.acknowledgements.some(a => a.school_id === schoolId && !a.implied && !a.acknowledged_at)).length;
    }),
  ]);
  return [
    todoEntry(toConfirm, lead ? '条交流安排待接收学校确认' : '条交流安排待本校确认', lead ? 'postings waiting for the receiving school' : 'postings waiting for this school’s confirmation', `#/group/${groupId}/postings`),
    todoEntry(overdue, '项本月义务已逾期', 'obligations overdue this month', lead ? `#/group/${groupId}` : '#/school'),
    todoEntry(reports, '份季度报告待提交(G-08)', 'quarterly reports to submit (G-08)', `#/group/${groupId}/meetings`),
    todoEntry(unacknowledged, '份现行集团章程或发展规划待本校确认遵守(M2)', 'charter or plan in force for this school to acknowledge (M2)', `#/group/${groupId}/charter`),
  ];
}

// What waits for the signed-in office, or null for a role nothing waits for (a teacher, the
// auditor) and an office not in a group.
function todoOf(claims, groupId) {
  if (claims.role === 'bureau') return () => bureauTodo(claims.region);
  if (claims.role === 'lead_admin' && groupId) return () => officeTodo(groupId, claims.school_id, true);
  if (claims.role === 'member_admin' && groupId) return () => officeTodo(groupId, claims.school_id, false);
  return null;
}

// The header's count of what waits, on every page, linking to the list on the office's home;
// read again at most once a minute, and whenever a home page lists it.
const todoCounted = { key: '', at: 0, count: 0 };
const todoKey = (claims, groupId) => `${claims.sub}|${claims.role}|${groupId}`;
function showTodoCount(count) {
  const el = document.getElementById('todo-count');
  if (!el) return;
  el.hidden = !count;
  el.textContent = bi(`待办 ${count}`, `To do ${count}`);
}
async function todoBadge(claims, groupId, home) {
  const load = todoOf(claims, groupId);
  const el = document.getElementById('todo-count');
  if (!el) return;
  el.href = home;
  if (!load) { showTodoCount(0); return; }
  const key = todoKey(claims, groupId);
  if (todoCounted.key !== key || Date.now() - todoCounted.at > 60000) {
    const entries = await load().catch(() => []);
    Object.assign(todoCounted, { key, at: Date.now(), count: entries.reduce((n, e) => n + e.count, 0) });
  }
  showTodoCount(todoCounted.count);
}

// The card, filled in place; "nothing waiting" when the list is empty.
function todoCard(el, load) {
  fill(el, async () => {
    const entries = (await load()).filter(e => e.count);
    Object.assign(todoCounted, { key: todoKey(state.claims, state.groupId), at: Date.now(), count: entries.reduce((n, e) => n + e.count, 0) });
    showTodoCount(todoCounted.count);
    return entries.length ? `<ul class="todo" data-testid="todo">${entries.map(todoLine).join('')}</ul>`
      : `<p class="muted" data-testid="todo">${esc(bi('暂无待办事项', 'Nothing waiting'))}</p>`;
  });
}
