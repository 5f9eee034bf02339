import { NoteDialog } from '../../components/NoteDialog';
import { useWords } from '../../lib/i18n';
import { useCancelRequest, type CustodyRequest } from './api';
import { words } from './words';

/** Cancels a request that has not been carried out, with the reason, which goes into each item's history. */
export function CancelDialog({ request, onClose }: { request: CustodyRequest | undefined; onClose: () => void }) {
  const w = useWords(words);
  const cancel = useCancelRequest();
  return (
    <NoteDialog
      open={!!request}
      title={w.cancelTitle}
      label={w.cancelReason}
      required
      requiredMessage={w.required}
      cancelText={w.keep}
      okText={w.confirmCancel}
      danger
      sending={cancel}
      onSend={(note, done) => cancel.mutate({ id: request!.id, note: note! }, { onSuccess: done })}
      onClose={onClose}
    />
  );
}
