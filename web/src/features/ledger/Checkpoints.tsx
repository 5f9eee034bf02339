import { useQuery } from '@tanstack/react-query';
import { Card, Flex, Table, Typography } from 'antd';
import { fromBase64, toHex } from '../../../../src/verifier/bytes';
import { parsePublicKey, verifyCosignature } from '../../../../src/verifier/note';
import { ProblemAlert } from '../../components/ProblemAlert';
import { api, ok } from '../../lib/api';
import { formatTime } from '../../lib/format';
import { useLang, useWords } from '../../lib/i18n';
import { words } from './words';

interface Cosigned {
  name: string;
  /** When the witness cosigned, or null when its cosignature does not verify. */
  at: number | null;
}

interface Row {
  size: number;
  root: string;
  createdAt: string;
  cosigned: Cosigned[];
}

/** A checkpoint's cosignatures by the log's witnesses, each checked with the witness's key in the browser. */
async function cosignatures(note: string, witnessKeys: string[]): Promise<Cosigned[]> {
  const found: Cosigned[] = [];
  for (const key of await Promise.all(witnessKeys.map(parsePublicKey))) {
    if (!note.includes(`— ${key.name} `)) continue;
    found.push({ name: key.name, at: await verifyCosignature(note, key).catch(() => null) });
  }
  return found;
}

// The latest first; a centre signs a few a day, so the last thousand go back months.
const SHOWN = 1000;

export function Checkpoints() {
  const w = useWords(words);
  const { lang } = useLang();
  const rows = useQuery({
    queryKey: ['ledger', 'checkpoints'],
    queryFn: async (): Promise<Row[]> => {
      const [key, list] = await Promise.all([
        ok(api.GET('/ledger/key')),
        ok(api.GET('/ledger/checkpoints', { params: { query: { after: 0, limit: SHOWN } } })),
      ]);
      const items = 'items' in list ? list.items : [list];
      return Promise.all(
        items
          .slice()
          .reverse()
          .map(async (c) => ({ ...c, cosigned: await cosignatures(c.note, key.witnesses) })),
      );
    },
  });
  const time = (seconds: number) => formatTime(new Date(seconds * 1000).toISOString(), lang);
  return (
    <Card title={<h2 style={{ fontSize: 16, margin: 0 }}>{w.checkpointsTitle}</h2>}>
      <Flex vertical gap={12}>
        <Typography.Text type="secondary">{w.checkpointsHint}</Typography.Text>
        {rows.error ? (
          <ProblemAlert error={rows.error} />
        ) : (
          <Table<Row>
            rowKey="size"
            size="small"
            loading={rows.isPending}
            dataSource={rows.data}
            pagination={{ pageSize: 20, showSizeChanger: false }}
            locale={{ emptyText: <Typography.Text type="secondary">{w.none}</Typography.Text> }}
            columns={[
              { key: 'size', title: w.size, dataIndex: 'size', width: 100 },
              { key: 'signedAt', title: w.signedAt, width: 190, render: (_, c) => formatTime(c.createdAt, lang) },
              {
                key: 'root',
                title: w.root,
                // In hex, as the verification's result shows a root.
                render: (_, c) => <Typography.Text code>{toHex(fromBase64(c.root)).slice(0, 16)}…</Typography.Text>,
              },
              {
                key: 'witnesses',
                title: w.witnesses,
                render: (_, c) =>
                  c.cosigned.length === 0
                    ? w.noWitness
                    : c.cosigned.map((s) => (
                        <div key={s.name}>
                          {s.at === null ? w.badCosignature(s.name) : w.cosignedAt(s.name, time(s.at))}
                        </div>
                      )),
              },
            ]}
          />
        )}
      </Flex>
    </Card>
  );
}
