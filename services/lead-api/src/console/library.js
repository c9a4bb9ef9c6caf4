// edugroup console: the group's library (资源库, RULES.md §4). The list searches and filters
// the group's resources twenty at a time, with its filters and page kept in the address
// (#/group/{id}/catalogue?q=数学&kind=…&page=2), so a reload or a shared link shows the same
// list. A resource's own page (#/resource/{id}) shows what a school needs before it adopts:
// the resource, its versions and their files (downloaded, and PDF or images previewed in
// the page), who adopted it already, and the brand rule (R-11). Loaded after app.js's
// helpers are defined (t, bi, api, act, …); app.js routes #/group/{id}/catalogue and
// #/resource/{id} here.
'use strict';

const LIBRARY_PAGE_SIZE = 20;
const LIBRARY_FILTERS = ['q', 'subject', 'kind', 'tier', 'status'];
// The only types a file is previewed as: the browser shows them without running anything
// the uploader wrote (SVG and HTML are downloaded, never shown).
const PREVIEW_TYPES = {
  'application/pdf': 'pdf', 'image/png': 'image', 'image/jpeg': 'image', 'image/gif': 'image', 'image/webp': 'image',
};

// The list's filters and page as the address holds them.
function libraryParams() {
  const query = location.hash.split('?')[1] ?? '';
  return new URLSearchParams(query);
}

// A school office of the group that does not own the resource may adopt its latest version
// (again, when a newer one came out).
function mayAdopt(r) {
  const claims = state.claims;
  return ['lead_admin', 'member_admin'].includes(claims.role) && r.status === 'published' &&
    r.owner_school_id !== claims.school_id && (!r.adopted_version || r.newer_version_available);
}

function adoptedBadge(r) {
  if (!r.adopted_version) return '';
  return `<span class="badge met">${esc(t('adopted'))} v${r.adopted_version}</span>` +
    (r.newer_version_available ? ` <span class="badge upcoming">${esc(t('newer'))}</span>` : '');
}

function fmtSize(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

// ---------------------------------------------------------------- the list

async function pageCatalogue(groupId) {
  const claims = state.claims;
  const office = ['lead_admin', 'member_admin'].includes(claims.role);
  main().innerHTML = `<h1>${esc(t('catalogue'))} <small class="muted" id="group-title"></small></h1>
    <section class="card"><form id="search-form" class="inline">
      <label>${esc(t('keyword'))}<input name="q" id="search-q" size="18"></label>
      <label>${esc(t('subject'))}<input name="subject" id="search-subject" size="8"></label>
      <label>${esc(t('kind'))}<select name="kind"><option value="">${esc(t('all'))}</option>${options('resource_kind')}</select></label>
      <label>${esc(t('tier'))}<select name="tier"><option value="">${esc(t('all'))}</option>${options('tier')}</select></label>
      <label>${esc(t('status'))}<select name="status"><option value="">${esc(t('all'))}</option>${options('resource_status')}</select></label>
      <button type="submit" id="search-button">${esc(t('search'))}</button></form><div id="results">${esc(t('loading'))}</div></section>
    ${office ? `<section class="card"><h2>${esc(t('submit_resource'))}</h2><form id="resource-form">
      <div class="actions"><label>${esc(t('resource_title'))}<input name="title" id="resource-title" size="28" required></label>
      <label>${esc(t('subject'))}<input name="subject" id="resource-subject" size="8" required></label>
      <label>${esc(t('kind'))}<select name="kind">${options('resource_kind', 'lesson_plan')}</select></label>
      <label>${esc(t('tier'))}<select name="tier">${options('tier', 'school')}</select></label>
      <label>${esc(t('course_type'))}<select name="course_type">${options('course_type', 'national')}</select></label>
      <label>${esc(t('stage'))}<select name="stage" id="resource-stage">${options('stage', 'junior')}</select></label></div>
      <label>${esc(t('description'))}<textarea name="description"></textarea></label>
      <div class="actions"><label>${esc(t('tags'))}<input name="tags" size="24"></label>
      <button type="submit" id="resource-submit">${esc(t('submit_resource'))}</button></div></form></section>` : ''}
    <section class="card"><h2>${esc(t('reuse'))}</h2><div id="reuse"></div></section>`;
  const names = await schools().catch(() => new Map());
  groupTrail(groupId, [`#/group/${groupId}/catalogue`, t('catalogue')]);
  api('GET', `/groups/${groupId}`).then(g => {
    q('#group-title').textContent = g.name;
    const stage = document.querySelector('#resource-stage');
    if (stage) stage.value = g.stage;
  }).catch(() => {});
  const form = q('#search-form');
  const initial = libraryParams();
  for (const k of LIBRARY_FILTERS) form.elements[k].value = initial.get(k) ?? '';
  let pageNo = Math.max(1, Number(initial.get('page')) || 1);

  // The address keeps what is shown; replaced, not pushed, so Back leaves the library.
  const remember = () => {
    const params = new URLSearchParams();
    for (const k of LIBRARY_FILTERS) if (form.elements[k].value) params.set(k, form.elements[k].value);
    if (pageNo > 1) params.set('page', String(pageNo));
    const hash = `#/group/${groupId}/catalogue${params.toString() ? `?${params}` : ''}`;
    state.libraryList = hash;
    if (location.hash !== hash) history.replaceState(null, '', hash);
  };
  const search = () => fill(q('#results'), async () => {
    remember();
    const params = new URLSearchParams({ limit: String(LIBRARY_PAGE_SIZE), offset: String((pageNo - 1) * LIBRARY_PAGE_SIZE) });
    for (const k of LIBRARY_FILTERS) if (form.elements[k].value) params.set(k, form.elements[k].value);
    const page = await api('GET', `/groups/${groupId}/resources?${params}`);
    const lead = claims.role === 'lead_admin';
    const pages = Math.max(1, Math.ceil(page.total / LIBRARY_PAGE_SIZE));
    const first = page.items.length ? (pageNo - 1) * LIBRARY_PAGE_SIZE + 1 : 0;
    const last = (pageNo - 1) * LIBRARY_PAGE_SIZE + page.items.length;
    const total = `${page.total}${page.total_exact ? '' : '+'}`;
    const pager = `<div class="actions" data-testid="resources-pager">
      <span>${esc(bi(`共 ${total} 项,第 ${first}–${last} 项`, `${total} in all, ${first}–${last} shown`))}</span>
      <button type="button" class="secondary" id="page-prev"${pageNo > 1 ? '' : ' disabled'}>${esc(bi('上一页', 'Previous'))}</button>
      <span>${esc(bi(`第 ${pageNo} / ${pages} 页`, `page ${pageNo} of ${pages}`))}</span>
      <button type="button" class="secondary" id="page-next"${last < page.total ? '' : ' disabled'}>${esc(bi('下一页', 'Next'))}</button></div>`;
    return pager + table(
      [t('resource_title'), t('subject'), t('kind'), t('tier'), t('owner'), t('status'), t('adoptions'), t('actions')],
      page.items.map(r => [
        `<a href="#/resource/${r.id}" data-resource-link><b>${esc(r.title)}</b></a><br><small class="muted">${esc(r.description)}</small>`,
        esc(r.subject), esc(en('resource_kind', r.kind)), esc(en('tier', r.tier)),
        esc(nameOf(names, r.owner_school_id)), badge('resource_status', r.status), String(r.adoptions),
        `<div class="actions" data-resource="${r.id}">${adoptedBadge(r)}` +
          (mayAdopt(r) ? `<button type="button" class="secondary" data-adopt="${r.id}">${esc(t('adopt'))}</button>` : '') +
          (lead && r.status === 'pending_review' ? `<button type="button" class="secondary" data-review="approve">${esc(t('approve'))}</button><button type="button" class="secondary" data-review="reject">${esc(t('reject'))}</button>` : '') +
          '</div>']), 'resources', { paged: true });
  }).then(shown => {
    if (!shown) return;
    const results = q('#results');
    results.querySelector('#page-prev')?.addEventListener('click', () => { pageNo -= 1; search(); });
    results.querySelector('#page-next')?.addEventListener('click', () => { pageNo += 1; search(); });
    results.querySelectorAll('[data-adopt]').forEach(b => b.addEventListener('click', async () => {
      if (await act(b, () => api('POST', `/resources/${b.dataset.adopt}/adoptions`, {}, { headers: { 'Idempotency-Key': idempotencyKey() } }), t('adopted'))) setTimeout(search, 400);
    }));
    results.querySelectorAll('[data-review]').forEach(b => b.addEventListener('click', async () => {
      const id = b.closest('[data-resource]').dataset.resource;
      if (await act(b, () => api('POST', `/resources/${id}/approval`, { decision: b.dataset.review }), t('reviewed'))) setTimeout(search, 400);
    }));
  });
  // A new search starts again at its first page.
  form.addEventListener('submit', e => { e.preventDefault(); pageNo = 1; search(); });
  search();
  const submitForm = document.querySelector('#resource-form');
  if (submitForm) {
    submitForm.addEventListener('submit', async e => {
      e.preventDefault();
      const f = submitForm.elements;
      const body = {
        title: f.title.value, subject: f.subject.value, kind: f.kind.value, tier: f.tier.value, course_type: f.course_type.value, stage: f.stage.value,
        description: f.description.value, tags: f.tags.value.split(/[,,]/).map(s => s.trim()).filter(Boolean),
      };
      if (await act(q('#resource-submit'), () => api('POST', `/groups/${groupId}/resources`, body, { headers: { 'Idempotency-Key': idempotencyKey() } }), t('created'))) {
        submitForm.reset();
        search();
      }
    });
  }
  fill(q('#reuse'), async () => {
    const r = await api('GET', `/groups/${groupId}/resource-reuse`);
    return `<p>${esc(bi('已发布资源', 'published'))} ${r.published_resources} · ${esc(t('adoptions'))} ${r.adoptions}</p>` +
      table([t('school'), bi('贡献资源', 'contributed'), bi('采用他校资源', 'adoptions made'), bi('被采用次数', 'adoptions received')], r.schools.map(s => [
        esc(nameOf(names, s.school_id)), String(s.resources), String(s.adoptions_made), String(s.adoptions_received)]), 'reuse');
  });
}

// ---------------------------------------------------------------- one resource

// A version's file, fetched with the caller's token (an address alone carries none) and
// handed to the browser as a blob: downloaded under its name, or shown in the page when its
// type is one of PREVIEW_TYPES.
async function resourceFile(resourceId, version, file) {
  const response = await api('GET', `/resources/${resourceId}/file?version=${version}`, undefined, { raw: true });
  const bytes = await response.blob();
  const type = PREVIEW_TYPES[file.content_type] ? file.content_type : 'application/octet-stream';
  return URL.createObjectURL(new Blob([bytes], { type }));
}

async function pageResource(resourceId) {
  main().innerHTML = `<p class="muted">${esc(t('loading'))}</p>`;
  let r;
  try {
    r = await api('GET', `/resources/${resourceId}`);
  } catch (err) {
    main().innerHTML = `<h1>${esc(t('resource'))}</h1>${refusalHtml(err)}`;
    return;
  }
  const names = await schools().catch(() => new Map());
  const back = state.libraryList?.startsWith(`#/group/${r.group_id}/catalogue`) ? state.libraryList : `#/group/${r.group_id}/catalogue`;
  const field = (label, value) => `<tr><th>${esc(label)}</th><td>${value}</td></tr>`;
  const versions = [...r.versions].reverse();
  main().innerHTML = `<h1 data-testid="resource-title">${esc(r.title)} ${badge('resource_status', r.status)}</h1>
    <p class="banner" role="note" data-testid="brand-notice"><b>R-11</b> ${esc(bi(
      '集团资源仅供本集团学校教学使用,不得转让,也不得向集团外的学校或其他集团二次输出。',
      'Group resources are for the teaching of the group\'s schools only: they may not be transferred, nor passed on to schools outside the group or to other groups.'))}</p>
    <section class="card"><table data-testid="resource-facts"><tbody>
      ${field(t('kind'), esc(en('resource_kind', r.kind)))}
      ${field(t('subject'), esc(r.subject))}
      ${field(t('stage'), esc(en('stage', r.stage)) + (r.grade ? ` · ${esc(r.grade)}` : ''))}
      ${field(t('course_type'), esc(en('course_type', r.course_type)))}
      ${field(t('tier'), esc(en('tier', r.tier)))}
      ${field(t('owner'), esc(nameOf(names, r.owner_school_id)))}
      ${field(t('description'), esc(r.description))}
      ${field(bi('标签', 'Tags'), r.tags.map(tag => `<span class="badge">${esc(tag)}</span>`).join(' '))}
      ${field(t('status'), badge('resource_status', r.status) + (r.review_note ? ` <small class="muted">${esc(r.review_note)}</small>` : ''))}
    </tbody></table>
    <div class="actions" id="adopt-actions">${adoptedBadge(r)}${mayAdopt(r) ? `<button type="button" id="adopt-button">${esc(t('adopt'))} v${r.latest_version}</button>` : ''}</div></section>
    <section class="card"><h2>${esc(bi('版本', 'Versions'))}</h2>${table(
      [bi('版本', 'Version'), bi('日期', 'Date'), t('resource_title'), bi('说明', 'Note'), bi('文件', 'File'), t('actions')],
      versions.map(v => [
        `v${v.number}`, fmtDate(v.created_at), esc(v.title), esc(v.change_note ?? ''),
        v.file ? `${esc(v.file.file_name)} <small class="muted">${esc(fmtSize(v.file.size))}</small>` : `<span class="muted">${esc(bi('无文件', 'no file'))}</span>`,
        v.file ? `<div class="actions" data-version="${v.number}"><button type="button" class="secondary" data-download>${esc(bi('下载', 'Download'))}</button>` +
          (PREVIEW_TYPES[v.file.content_type] ? `<button type="button" class="secondary" data-preview>${esc(bi('预览', 'Preview'))}</button>` : '') + '</div>' : '',
      ]), 'versions')}<div id="preview" class="preview"></div></section>
    <section class="card"><h2>${esc(bi('采用学校', 'Adopted by'))}</h2><div id="adopters">${esc(t('loading'))}</div></section>`;
  groupTrail(r.group_id, [back, t('catalogue')], [`#/resource/${r.id}`, r.title]);
  const fileOf = b => versions.find(v => String(v.number) === b.closest('[data-version]').dataset.version);
  main().querySelectorAll('[data-download]').forEach(b => b.addEventListener('click', () => act(b, async () => {
    const v = fileOf(b);
    handOver(await resourceFile(r.id, v.number, v.file), v.file.file_name);
  })));
  main().querySelectorAll('[data-preview]').forEach(b => b.addEventListener('click', () => act(b, async () => {
    const v = fileOf(b);
    const url = await resourceFile(r.id, v.number, v.file);
    const title = `${v.file.file_name} (v${v.number})`;
    q('#preview').innerHTML = PREVIEW_TYPES[v.file.content_type] === 'pdf'
      ? `<h3>${esc(title)}</h3><iframe src="${url}" title="${esc(title)}" data-testid="preview-pdf"></iframe>`
      : `<h3>${esc(title)}</h3><img src="${url}" alt="${esc(title)}" data-testid="preview-image">`;
  })));
  q('#adopt-button').addEventListener('click', async e => {
    const ok = await act(e.target, () => api('POST', `/resources/${r.id}/adoptions`, {}, { headers: { 'Idempotency-Key': idempotencyKey() } }), t('adopted'));
    if (ok) setTimeout(() => pageResource(resourceId), 400);
  });
  fill(q('#adopters'), async () => {
    const list = await api('GET', `/resources/${r.id}/adoptions`);
    return table([t('school'), bi('采用版本', 'Version'), bi('采用日期', 'Adopted on')], list.items.map(a => [
      esc(nameOf(names, a.school_id)),
      `v${a.version}${a.newer_version_available ? ` <span class="badge upcoming">${esc(t('newer'))}</span>` : ''}`,
      fmtDate(a.adopted_at)]), 'adopters');
  });
}
