import { useQuery } from '@tanstack/react-query';
import { Card, Table, Typography } from 'antd';
import { ProblemAlert } from '../../../components/ProblemAlert';
import { api, ok } from '../../../lib/api';
import type { Answer } from '../../../lib/api-shapes';
import { formatTime } from '../../../lib/format';
import { useLang, useWords } from '../../../lib/i18n';
import { words } from './words';

type Access = Answer<'getItemsCodeReportAccess'>['items'][number];

/** Who printed or exported the item's reports, or read its history or proof through the API, and when. */
export function AccessLog({ code }: { code: string }) {
  const w = useWords(words);
  const { lang } = useLang();
  const log = useQuery({
    queryKey: ['item', code, 'report-access'],
    queryFn: () => ok(api.GET('/items/{code}/report-access', { params: { path: { code } } })),
  });
  const what = (a: Access) => {
    const word = (w as Record<string, unknown>)[`access_${a.kind}`];
    return `${typeof word === 'string' ? word : a.kind} · ${a.format.toUpperCase()}`;
  };
  return (
    <Card title={<h2 style={{ fontSize: 16, margin: 0 }}>{w.accessLog}</h2>} data-testid="access-log">
      {log.error ? (
        <ProblemAlert error={log.error} />
      ) : (
        <Table<Access>
          rowKey="reportId"
          size="small"
          loading={log.isPending}
          dataSource={log.data?.items.slice().reverse()}
          pagination={{ pageSize: 10, showSizeChanger: false, hideOnSinglePage: true }}
          locale={{ emptyText: <Typography.Text type="secondary">{w.noAccess}</Typography.Text> }}
          columns={[
            { key: 'at', title: w.accessWhen, width: 170, render: (_, a) => formatTime(a.at, lang) },
            { key: 'who', title: w.accessWho, render: (_, a) => a.displayName },
            { key: 'what', title: w.accessWhat, render: (_, a) => what(a) },
          ]}
        />
      )}
    </Card>
  );
}
