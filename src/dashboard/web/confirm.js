import { useEffect, useRef } from 'preact/hooks';
import { html } from './html.js';

/** A modal <dialog> (Escape closes it, focus stays inside) naming what an action will do. */
export function ConfirmDialog({ title, children, confirmLabel, onConfirm, onCancel, danger }) {
  const ref = useRef(null);
  useEffect(() => {
    ref.current?.showModal();
  }, []);
  return html`<dialog ref=${ref} class="confirm" aria-label=${title} onCancel=${onCancel}>
    <h2>${title}</h2>
    <div class="confirm-body">${children}</div>
    <div class="confirm-buttons">
      <button type="button" class="secondary" onClick=${onCancel}>Cancel</button>
      <button type="button" class=${danger ? 'danger' : ''} data-confirm onClick=${onConfirm}>${confirmLabel}</button>
    </div>
  </dialog>`;
}
