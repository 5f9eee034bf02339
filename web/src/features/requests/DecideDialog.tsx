import { NoteDialog } from '../../components/NoteDialog';
import { useWords } from '../../lib/i18n';
import { NOTE_REQUIRED, useDecide, type CustodyRequest, type Decision } from './api';
import { words } from './words';

export interface Deciding {
  request: CustodyRequest;
  decision: Decision;
}

/**
 * Approves or rejects a request, or accepts or refuses a transfer, with the note that goes into each item's
 * history: a rejection or refusal must say why.
 */
export function DecideDialog({ deciding, onClose }: { deciding: Deciding | undefined; onClose: () => void }) {
  const w = useWords(words);
  const decide = useDecide();
  const decision = deciding?.decision ?? 'approve';
  return (
    <NoteDialog
      open={!!deciding}
      title={w[`decideTitle_${decision}`]}
      label={w[`note_${decision}`]}
      required={NOTE_REQUIRED[decision]}
      requiredMessage={w.required}
      cancelText={w.cancel}
      okText={w[decision]}
      danger={decision === 'reject' || decision === 'refuse'}
      sending={decide}
      onSend={(note, done) => decide.mutate({ id: deciding!.request.id, decision, note }, { onSuccess: done })}
      onClose={onClose}
    />
  );
}
