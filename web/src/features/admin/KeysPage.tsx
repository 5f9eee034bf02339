import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, Button, Card, Descriptions, Flex, Table, Typography } from 'antd';
import { Link } from 'react-router';
import { fromBase64, toHex } from '../../../../src/verifier/bytes';
import { parsePublicKey, verifyCosignature } from '../../../../src/verifier/note';
import { PageTitle } from '../../components/PageTitle';
import { ProblemAlert } from '../../components/ProblemAlert';
import { api, ok } from '../../lib/api';
import { formatTime } from '../../lib/format';
import { useLang, useWords } from '../../lib/i18n';
import { Problem } from '../../lib/problem';
import { words } from './keys.words';
import { admin } from './words';

interface Witness {
  vkey: string;
  /** Null when the configured key cannot be read. */
  name: string | null;
  keyId: string | null;
  /** When it cosigned the latest checkpoint (Unix seconds), checked here with its key; null if it has not. */
  cosignedAt: number | null;
}

/** The log's key, its witnesses (each one's cosignature of the latest checkpoint checked in the browser). */
function useLedgerKeys() {
  return useQuery({
    queryKey: ['ledger', 'keys'],
    queryFn: async () => {
      const [key, latest] = await Promise.all([
        ok(api.GET('/ledger/key')),
        ok(api.GET('/ledger/checkpoint')).catch((error: unknown) => {
          if (error instanceof Problem && error.status === 404) return null;
          throw error;
        }),
      ]);
      const witnesses = await Promise.all(
        key.witnesses.map(async (vkey): Promise<Witness> => {
          const parsed = await parsePublicKey(vkey).catch(() => null);
          if (!parsed) return { vkey, name: null, keyId: null, cosignedAt: null };
          const cosignedAt =
            latest && latest.note.includes(`— ${parsed.name} `)
              ? await verifyCosignature(latest.note, parsed).catch(() => null)
              : null;
          return { vkey, name: parsed.name, keyId: toHex(parsed.keyId), cosignedAt };
        }),
      );
      return { key, latest, witnesses };
    },
  });
}

/** The ledger's public key and origin, its witnesses, and its latest checkpoint, which may be signed now. */
export default function KeysPage() {
  const w = useWords(words);
  const a = useWords(admin);
  const { lang } = useLang();
  const keys = useLedgerKeys();
  const queryClient = useQueryClient();
  const sign = useMutation({
    mutationFn: () => ok(api.POST('/ledger/checkpoint')),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['ledger'] }),
  });
  const time = (seconds: number) => formatTime(new Date(seconds * 1000).toISOString(), lang);
  const copyable = (text: string) => ({ text, tooltips: [a.copy, a.copied] });

  if (keys.error) return <ProblemAlert error={keys.error} />;
  const { key, latest, witnesses } = keys.data ?? {};
  return (
    <Flex vertical gap={16} style={{ maxWidth: 1100 }}>
      <PageTitle title={w.title} subtitle={w.subtitle} />
      <Card loading={keys.isPending} title={<h2 style={{ fontSize: 16, margin: 0 }}>{w.logKey}</h2>}>
        <Flex vertical gap={12}>
          <Typography.Text type="secondary">{w.logKeyHint}</Typography.Text>
          {key && (
            <Descriptions
              column={1}
              size="small"
              bordered
              items={[
                { key: 'origin', label: w.origin, children: key.origin },
                { key: 'keyId', label: w.keyId, children: <Typography.Text code>{key.keyId}</Typography.Text> },
                {
                  key: 'vkey',
                  label: w.verifierKey,
                  children: (
                    <Typography.Text code copyable={copyable(key.verifierKey)} data-testid="verifier-key">
                      {key.verifierKey}
                    </Typography.Text>
                  ),
                },
              ]}
            />
          )}
        </Flex>
      </Card>
      <Card loading={keys.isPending} title={<h2 style={{ fontSize: 16, margin: 0 }}>{w.witnesses}</h2>}>
        <Flex vertical gap={12}>
          <Typography.Text type="secondary">{w.witnessesHint}</Typography.Text>
          {witnesses?.length === 0 ? (
            <Alert type="info" title={w.noWitness} role="status" />
          ) : (
            <Table<Witness>
              rowKey="vkey"
              size="small"
              pagination={false}
              dataSource={witnesses}
              columns={[
                { key: 'name', title: w.witnessName, width: 200, render: (_, x) => x.name ?? w.badKey },
                {
                  key: 'vkey',
                  title: w.witnessKey,
                  render: (_, x) => (
                    <Typography.Text code copyable={copyable(x.vkey)} style={{ wordBreak: 'break-all' }}>
                      {x.vkey}
                    </Typography.Text>
                  ),
                },
                {
                  key: 'latest',
                  title: w.cosignedLatest,
                  width: 220,
                  render: (_, x) => (x.cosignedAt === null ? w.notYet : w.cosignedAt(time(x.cosignedAt))),
                },
              ]}
            />
          )}
        </Flex>
      </Card>
      <Card loading={keys.isPending} title={<h2 style={{ fontSize: 16, margin: 0 }}>{w.checkpoint}</h2>}>
        <Flex vertical gap={12}>
          <Typography.Text type="secondary">{w.checkpointHint}</Typography.Text>
          {latest ? (
            <Descriptions
              column={1}
              size="small"
              bordered
              items={[
                { key: 'size', label: w.size, children: <span data-testid="checkpoint-size">{latest.size}</span> },
                { key: 'signedAt', label: w.signedAt, children: formatTime(latest.createdAt, lang) },
                {
                  key: 'root',
                  label: w.root,
                  children: <Typography.Text code>{toHex(fromBase64(latest.root))}</Typography.Text>,
                },
              ]}
            />
          ) : (
            <Typography.Text>{w.noCheckpoint}</Typography.Text>
          )}
          <Flex gap={16} align="center" wrap>
            <Button onClick={() => sign.mutate()} loading={sign.isPending}>
              {w.signNow}
            </Button>
            <Link to="/ledger">{w.allCheckpoints}</Link>
          </Flex>
          {sign.error && <ProblemAlert error={sign.error} onClose={() => sign.reset()} />}
        </Flex>
      </Card>
    </Flex>
  );
}
