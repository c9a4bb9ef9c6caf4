// edugroup console: consent across counties (F-04). A school of another county joins a group
// only when its own county bureau agrees: admitting it answers 202 with a request, which the
// county overview of both bureaus lists; the school's bureau approves it (the admission then
// runs through every rule) or declines it with a reason. A posting that would take a teacher
// into another county waits the same way for the teacher's own county bureau, which decides it
// on its county overview. Loaded before app.js, whose helpers (t, bi, api, act, fill,
// reasonDialog from forms.js, …) it calls once a page runs.
'use strict';

// What an admission answered: a membership (201), or a request that waits (202).
function admissionNotice(reply) {
  if (reply?.status !== 'pending') return null;
  return bi(`${reply.school_name} 属于 ${reply.school_region}:已提交跨县入集团申请,待该县教育局同意后生效(F-04)`,
    `${reply.school_name} is of county ${reply.school_region}: the request waits for that county bureau's consent (F-04)`);
}

// The county overview's list of requests, with the decision buttons where this bureau is the
// school's county and the request waits.
function consentSection(el) {
  const claims = state.claims;
  const load = () => fill(el, async () => {
    const page = await api('GET', '/consent-requests?limit=50');
    if (!page.items.length) return `<p class="muted">${esc(t('no_rows'))}</p>`;
    return table([bi('集团', 'Group'), t('school'), bi('申请时间', 'Asked'), t('status'), t('reason'), t('actions')], page.items.map(r => [
      `${esc(r.group_name)} <small class="muted">${regionHtml(r.group_region)}</small>`,
      `${esc(r.school_name)} <small class="muted">${regionHtml(r.school_region)}</small>`,
      fmtDateTime(r.requested_at), badge('consent_status', r.status), esc(r.reason ?? ''),
      r.status === 'pending' && claims.role === 'bureau' && r.school_region === claims.region
        ? `<div class="actions" data-consent="${esc(r.id)}"><button type="button" class="secondary" data-verdict="approve">${esc(bi('同意', 'Approve'))}</button>` +
          `<button type="button" class="secondary" data-verdict="decline">${esc(bi('不同意', 'Decline'))}</button></div>`
        : '']), 'consent-requests');
  }).then(shown => {
    if (!shown) return;
    el.querySelectorAll('[data-verdict]').forEach(button => button.addEventListener('click', async () => {
      const id = button.closest('[data-consent]').dataset.consent;
      const row = button.closest('tr');
      let reason = null;
      if (button.dataset.verdict === 'decline') {
        reason = await reasonDialog({
          title: bi('不同意跨县入集团', 'Decline the request'),
          facts: [[t('school'), row.cells[1].textContent], [bi('集团', 'Group'), row.cells[0].textContent]],
          confirmText: bi('不同意', 'Decline'),
        });
        if (reason === null) return;
      }
      const body = { decision: button.dataset.verdict, reason };
      if (await act(button, () => api('POST', `/consent-requests/${id}/decision`, body, { headers: { 'Idempotency-Key': idempotencyKey() } }), t('saved'))) {
        setTimeout(load, 300);
      }
    }));
  });
  load();
}

// A posting across counties says whose consent it waits for, or that it was given.
function consentNote(p) {
  if (!p.consent) return '';
  const county = regionHtml(p.consent.region);
  return p.consent.status === 'pending'
    ? `<br><span class="badge pending" data-testid="posting-consent">${esc(bi('待教师所在县同意', 'waiting for the teacher’s county'))}</span> <small class="muted">${county} F-04</small>`
    : `<br>${badge('consent_status', p.consent.status)} <small class="muted">${county} F-04</small>`;
}

// The county overview's postings across counties whose teacher is of this county, with the
// decision buttons for the bureau while one waits.
function postingConsentSection(el) {
  const claims = state.claims;
  const load = () => fill(el, async () => {
    const [page, groups] = await Promise.all([api('GET', '/posting-consents?limit=50'), groupNames().catch(() => new Map())]);
    if (!page.items.length) return `<p class="muted">${esc(t('no_rows'))}</p>`;
    return table([t('teacher'), bi('集团', 'Group'), bi('去往', 'Going to'), t('kind'), t('term'), t('status'), t('actions')], page.items.map(p => [
      esc(p.teacher_name), esc(nameOf(groups, p.group_id)), regionHtml(p.consent.to_region), esc(en('posting_kind', p.kind)),
      `${fmtDate(p.start)} – ${fmtDate(p.end)}`, badge('consent_status', p.consent.status) + (p.consent.note ? ` <small class="muted">${esc(p.consent.note)}</small>` : ''),
      p.consent.status === 'pending' && claims.role === 'bureau'
        ? `<div class="actions" data-posting-consent="${esc(p.id)}"><button type="button" class="secondary" data-verdict="approve">${esc(bi('同意', 'Approve'))}</button>` +
          `<button type="button" class="secondary" data-verdict="decline">${esc(bi('不同意', 'Decline'))}</button></div>`
        : '']), 'posting-consents', { total: page.total });
  }).then(shown => {
    if (!shown) return;
    el.querySelectorAll('[data-verdict]').forEach(button => button.addEventListener('click', async () => {
      const id = button.closest('[data-posting-consent]').dataset.postingConsent;
      const row = button.closest('tr');
      let note = null;
      if (button.dataset.verdict === 'decline') {
        note = await reasonDialog({
          title: bi('不同意跨县交流', 'Decline the posting'),
          facts: [[t('teacher'), row.cells[0].textContent], [bi('集团', 'Group'), row.cells[1].textContent], [t('term'), row.cells[4].textContent]],
          confirmText: bi('不同意', 'Decline'),
        });
        if (note === null) return;
      }
      if (await act(button, () => api('POST', `/postings/${id}/consent`, { decision: button.dataset.verdict, note }), t('saved'))) {
        setTimeout(load, 300);
      }
    }));
  });
  load();
}
