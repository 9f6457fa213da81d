// Optional enhancement only: every page works without this script.
// Forms marked data-inline post in the background and update the row instead of
// reloading the page (the server answers the same redirect either way).
document.addEventListener('submit', async (ev) => {
  const form = ev.target;
  if (!(form instanceof HTMLFormElement) || !form.dataset.inline) return;
  ev.preventDefault();
  const body = new URLSearchParams(new FormData(form));
  try {
    const r = await fetch(form.action, { method: 'POST', body, credentials: 'same-origin', redirect: 'follow' });
    if (!r.ok) { form.submit(); return; }
    const row = form.closest('[data-row]');
    const status = form.querySelector('[name=to]')?.value;
    if (row && status) { row.dataset.status = status; const s = row.querySelector('[data-status-label]'); if (s) s.textContent = status; }
    form.classList.add('done');
  } catch (_) { form.submit(); }
});
