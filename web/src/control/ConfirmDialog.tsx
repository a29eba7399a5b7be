import { type ReactNode, useEffect, useRef } from 'react';

interface Props {
  title: string;
  confirmLabel: string;
  onConfirm: () => void;
  onCancel: () => void;
  children?: ReactNode;
}

/**
 * A modal <dialog>: the browser traps focus inside it and Escape cancels, so it works by keyboard
 * as it is. Focus starts on Cancel: a stray Enter does not destroy anything.
 */
export function ConfirmDialog({ title, confirmLabel, onConfirm, onCancel, children }: Props) {
  const dialog = useRef<HTMLDialogElement>(null);
  const cancel = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    dialog.current?.showModal();
    cancel.current?.focus();
  }, []);
  return (
    <dialog ref={dialog} className="confirm" aria-labelledby="confirm-title" onCancel={onCancel}>
      <form
        method="dialog"
        onSubmit={(event) => {
          event.preventDefault();
          onConfirm();
        }}
      >
        <h2 id="confirm-title">{title}</h2>
        {children}
        <div className="actions">
          <button type="button" ref={cancel} className="quiet" onClick={onCancel}>
            Cancel
          </button>
          <button type="submit" className="danger">
            {confirmLabel}
          </button>
        </div>
      </form>
    </dialog>
  );
}
