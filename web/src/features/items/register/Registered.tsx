import { CheckCircleFilled, PrinterOutlined } from '@ant-design/icons';
import { useQueryClient } from '@tanstack/react-query';
import { Button, Flex, List, Progress, Result, Space, Typography } from 'antd';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useNavigate } from 'react-router';
import { ItemCode } from '../../../components/ItemCode';
import { ProblemAlert } from '../../../components/ProblemAlert';
import { useWords } from '../../../lib/i18n';
import { PrintLabelsDialog } from '../../labels';
import { uploadPhoto, type RegisteredItem } from './api';
import type { Photo } from './PhotoField';
import { words } from './words';

export interface Registration {
  items: RegisteredItem[];
  /** The photographs of each item, in the order the items were sent (and answered). */
  photos: Photo[][];
}

interface Upload {
  stored: number;
  /** Photos not stored yet (failed ones are tried again on asking). */
  pending: Photo[];
  error?: unknown;
}

/**
 * The items just registered, with their codes; their photographs are uploaded now (an attachment needs the
 * item's code), each one recorded in its item's ledger; then the labels can be printed.
 */
export function Registered({
  caseId,
  registration,
  onMore,
}: {
  caseId: string;
  registration: Registration;
  onMore(): void;
}) {
  const w = useWords(words);
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const { items, photos } = registration;
  const [uploads, setUploads] = useState<Upload[]>(() => photos.map((p) => ({ stored: 0, pending: p })));
  const [busy, setBusy] = useState(false);
  const [printing, setPrinting] = useState(false);
  const started = useRef(false);

  const all = photos.reduce((n, p) => n + p.length, 0);
  const stored = uploads.reduce((n, u) => n + u.stored, 0);

  const uploadAll = useCallback(
    async (from: Upload[]) => {
      setBusy(true);
      const next = from.map((u) => ({ ...u, pending: [...u.pending], error: undefined as unknown }));
      for (const [i, upload] of next.entries()) {
        while (upload.pending.length) {
          try {
            await uploadPhoto(items[i]!.code, upload.pending[0]!);
            upload.pending.shift();
            upload.stored += 1;
          } catch (error) {
            upload.error = error;
            break;
          }
          setUploads(next.map((u) => ({ ...u })));
        }
      }
      setUploads(next.map((u) => ({ ...u })));
      setBusy(false);
      void queryClient.invalidateQueries({ queryKey: ['items'] });
    },
    [items, queryClient],
  );

  useEffect(() => {
    if (started.current) return;
    started.current = true;
    void uploadAll(uploads);
  }, [uploadAll, uploads]);

  // The previews' blob: URLs are no longer needed once the page is left.
  useEffect(() => () => photos.flat().forEach((p) => URL.revokeObjectURL(p.url)), [photos]);

  const failed = uploads.some((u) => u.error);
  return (
    <Flex vertical gap={16} style={{ maxWidth: 900 }}>
      <Result
        status="success"
        style={{ padding: '16px 0' }}
        title={<h1 style={{ fontSize: 22, margin: 0 }}>{w.doneTitle(items.length)}</h1>}
        subTitle={w.doneHint}
        extra={
          <Space wrap style={{ justifyContent: 'center' }}>
            <Button type="primary" icon={<PrinterOutlined />} onClick={() => setPrinting(true)}>
              {w.printLabels}
            </Button>
            <Button onClick={() => navigate(`/cases/${caseId}`)}>{w.toCase}</Button>
            <Button onClick={onMore}>{w.registerMore}</Button>
          </Space>
        }
      />
      {all > 0 && (busy || stored < all) && (
        <div role="status">
          <Typography.Text>{w.uploading(stored, all)}</Typography.Text>
          <Progress percent={Math.round((stored / all) * 100)} status={failed ? 'exception' : 'active'} />
        </div>
      )}
      <List
        bordered
        style={{ background: '#fff' }}
        dataSource={items.map((item, i) => ({ item, upload: uploads[i]! }))}
        renderItem={({ item, upload }) => (
          <List.Item data-testid="registered-item">
            <Flex vertical gap={4} style={{ width: '100%' }}>
              <Flex gap={12} wrap align="center">
                <Typography.Text type="secondary">
                  {w.itemNo} {item.itemNo}
                </Typography.Text>
                <ItemCode code={item.code} copyable />
                <Typography.Text>{item.description}</Typography.Text>
                {upload.stored > 0 && (
                  <Typography.Text type="success">
                    <CheckCircleFilled /> {w.photosStored(upload.stored)}
                  </Typography.Text>
                )}
              </Flex>
              {upload.error !== undefined && <ProblemAlert error={upload.error} />}
            </Flex>
          </List.Item>
        )}
      />
      {failed && !busy && <Button onClick={() => void uploadAll(uploads)}>{w.retryPhotos}</Button>}
      {printing && (
        <PrintLabelsDialog open target={{ codes: items.map((i) => i.code) }} onClose={() => setPrinting(false)} />
      )}
    </Flex>
  );
}
