// edugroup console: what the forms share. The console checks what it can before sending —
// a required field left empty, a number outside its bounds — and shows the same bilingual
// refusal the API would, next to the field, without calling the API; a dialog that asks for
// a reason before a step that cannot be undone; and the posting kinds the rotation rules
// allow between two schools. The API still decides: these only spare the clerk a round trip.
// Loaded before app.js, whose helpers (t, bi, esc, refusalHtml, Refusal, …) it calls once a
// page runs.
'use strict';

// ---------------------------------------------------------------- checks before sending

// The field's name as its label shows it, in both languages when the label is one of the
// console's words; the label's own text for both otherwise.
function fieldLabel(control) {
  const label = control.closest('label');
  const shown = label ? [...label.childNodes].filter(n => n.nodeType === Node.TEXT_NODE)
    .map(n => n.textContent).join('').trim() : '';
  if (!shown) return { zh: control.name, en: control.name };
  const key = Object.keys(WORDS[state.lang]).find(k => WORDS[state.lang][k] === shown);
  return key ? { zh: WORDS.zh[key] ?? shown, en: WORDS.en[key] ?? shown } : { zh: shown, en: shown };
}

// What is wrong with a field the browser judged invalid, as the API words it.
function fieldProblem(control) {
  const v = control.validity;
  const { zh, en: english } = fieldLabel(control);
  const problem = (message_zh, message) => ({ code: 'validation_failed', message, message_zh, details: { field: control.name } });
  if (v.valueMissing) return problem(`缺少必填项:${zh}`, `${english} is required`);
  if (v.rangeUnderflow || v.rangeOverflow) {
    const bounds = [control.min, control.max].every(Boolean) ? `(${control.min}–${control.max})` : '';
    return problem(`${zh}:数值超出范围${bounds}`, `${english} is out of range${bounds ? ` ${bounds}` : ''}`);
  }
  if (v.tooLong) return problem(`${zh}:内容过长`, `${english} is too long`);
  return problem(`${zh} 格式不正确`, `${english} is not valid`);
}

// Shows a field's refusal right after its label (where act() puts the API's).
function showFieldRefusal(control, problem) {
  const anchor = control.closest('label') || control;
  if (anchor.nextElementSibling?.classList.contains('refusal')) anchor.nextElementSibling.remove();
  anchor.insertAdjacentHTML('afterend', refusalHtml(new Refusal(problem, 400)));
}

// Whether every field of the form passes the browser's checks; the refusals of those that
// do not appear next to them and the first one takes the focus.
function checkFields(form) {
  const bad = [...form.elements].filter(c => c.willValidate && !c.validity.valid);
  for (const control of bad) showFieldRefusal(control, fieldProblem(control));
  bad[0]?.focus();
  return bad.length === 0;
}

// A form sent with the Enter key or its submit button is checked by the browser first: its
// refusal replaces the browser's own bubble (in one language only). The refusals of the
// previous try go first, once per try.
const checkedNow = new WeakSet();
document.addEventListener('invalid', e => {
  e.preventDefault();
  const form = e.target.form;
  if (form && !checkedNow.has(form)) {
    checkedNow.add(form);
    form.querySelectorAll('.refusal, .done').forEach(n => n.remove());
    queueMicrotask(() => checkedNow.delete(form));
  }
  showFieldRefusal(e.target, fieldProblem(e.target));
}, true);

// The control a refusal's `details.field` names: the field itself, or the last part of a
// nested one (`policy.cap_alliance` is the form's `cap_alliance`).
function fieldControl(scope, field) {
  if (!field) return null;
  const last = field.split('.').pop().replace(/\[\d+\]$/, '');
  return scope.querySelector(`[name="${CSS.escape(field)}"]`) || scope.querySelector(`[name="${CSS.escape(last)}"]`);
}

// ---------------------------------------------------------------- a reason before a step

// A modal dialog naming what is about to happen (facts: [label, value] pairs) with a required
// reason; resolves to the reason, or null when the clerk goes back.
function reasonDialog({ title, facts, confirmText }) {
  return new Promise(resolve => {
    const dialog = document.createElement('dialog');
    dialog.className = 'card reason-dialog';
    dialog.innerHTML = `<form method="dialog" novalidate><h2>${esc(title)}</h2>
      <dl data-testid="dialog-facts">${facts.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('')}</dl>
      <label>${esc(t('reason'))}<textarea name="reason" required></textarea></label>
      <div class="actions"><button type="submit" data-testid="dialog-confirm">${esc(confirmText)}</button>
      <button type="button" class="secondary" data-testid="dialog-back">${esc(t('back'))}</button></div></form>`;
    document.body.append(dialog);
    const form = dialog.querySelector('form');
    let reason = null;
    form.addEventListener('submit', e => {
      e.preventDefault();
      form.querySelectorAll('.refusal').forEach(n => n.remove());
      form.elements.reason.value = form.elements.reason.value.trim();
      if (!checkFields(form)) return;
      reason = form.elements.reason.value;
      dialog.close();
    });
    dialog.querySelector('[data-testid="dialog-back"]').addEventListener('click', () => dialog.close());
    dialog.addEventListener('close', () => { dialog.remove(); resolve(reason); });
    dialog.showModal();
  });
}

// ---------------------------------------------------------------- posting kinds

// E-02/E-03: 挂职 and 任职 go from the lead school to a member, 跟岗 from a member to the lead;
// E-12/E-15: 支教 and 走教 go either way between two schools of the group, when the region's
// policy enables them. The same rules as the rotation service's check_direction.
const POSTING_DIRECTIONS = { secondment: ['lead', 'member'], post_holding: ['lead', 'member'], shadowing: ['member', 'lead'] };

function allowedPostingKinds(fromRole, toRole, policy) {
  if (!fromRole || !toRole) return [];
  return Object.keys(ENUMS.posting_kind).filter(kind => {
    const direction = POSTING_DIRECTIONS[kind];
    return direction ? direction[0] === fromRole && direction[1] === toRole : Boolean(policy?.support_postings);
  });
}
