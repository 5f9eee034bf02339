import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, Card, Flex, Typography } from 'antd';
import { fromBase64, toHex } from '../../../../../src/verifier/bytes';
import { parsePublicKey } from '../../../../../src/verifier/note';
import { verifyBundle, type ProofBundle } from '../../../../../src/verifier/verify-bundle';
import { ProblemAlert } from '../../../components/ProblemAlert';
import { api, ok } from '../../../lib/api';
import { formatTime } from '../../../lib/format';
import { useLang, useWords } from '../../../lib/i18n';
import { words } from './words';

/**
 * The item's proof bundle checked in this browser, by the code the offline verifier runs, against the
 * ledger's key and its witnesses' keys. Reading the bundle is recorded in the item's report-access log, so
 * only an inspector's page asks for it.
 */
export function useInspection(code: string, enabled: boolean) {
  const queryClient = useQueryClient();
  return useQuery({
    queryKey: ['item', code, 'inspection'],
    enabled,
    queryFn: async () => {
      const [bundle, key] = await Promise.all([
        ok(api.GET('/items/{code}/proof', { params: { path: { code } } })) as Promise<unknown> as Promise<ProofBundle>,
        ok(api.GET('/ledger/key')),
      ]);
      // This read is now in the item's report-access log: the log on the page is read again.
      void queryClient.invalidateQueries({ queryKey: ['item', code, 'report-access'] });
      const witnesses = await Promise.all(key.witnesses.map(parsePublicKey));
      return verifyBundle(bundle, await parsePublicKey(key.verifierKey), witnesses, 0);
    },
  });
}

export type Inspection = Awaited<ReturnType<typeof verifyBundle>>;

export function InspectionCard({ inspection }: { inspection: ReturnType<typeof useInspection> }) {
  const w = useWords(words);
  const { lang } = useLang();
  const check = inspection.data;
  const time = (seconds: number) => formatTime(new Date(seconds * 1000).toISOString(), lang);
  return (
    <Card title={<h2 style={{ fontSize: 16, margin: 0 }}>{w.inspection}</h2>} data-testid="inspection">
      <Flex vertical gap={8}>
        <Typography.Text type="secondary">{w.inspectionHint}</Typography.Text>
        {inspection.error && <ProblemAlert error={inspection.error} />}
        {check && (
          <Alert
            type={check.ok ? 'success' : 'error'}
            showIcon
            role={check.ok ? 'status' : 'alert'}
            title={check.ok ? w.inspectionPassed(check.events.length) : w.inspectionFailed}
            description={
              check.ok
                ? undefined
                : check.steps
                    .filter((s) => !s.ok)
                    .map((s) => s.detail)
                    .join('; ')
            }
          />
        )}
        {check?.checkpoint && (
          <Typography.Text>
            {w.checkpoint(check.checkpoint.size, toHex(fromBase64(check.checkpoint.root)).slice(0, 16))}
          </Typography.Text>
        )}
        {check?.ok &&
          (check.cosignedBy.length === 0 ? (
            <Typography.Text type="secondary">{w.noCosignature}</Typography.Text>
          ) : (
            check.cosignedBy.map((c) => (
              <Typography.Text key={c.name}>{w.cosignedBy(c.name, time(c.time))}</Typography.Text>
            ))
          ))}
      </Flex>
    </Card>
  );
}
