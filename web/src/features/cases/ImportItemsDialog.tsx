import { DownloadOutlined, UploadOutlined } from '@ant-design/icons';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Alert, Button, Flex, Modal, Progress, Space, Table, Typography, Upload, type UploadFile } from 'antd';
import { useState } from 'react';
import { ProblemAlert } from '../../components/ProblemAlert';
import { useLang, useWords } from '../../lib/i18n';
import {
  ImportProblem,
  sendImport,
  templatePath,
  type CheckResult,
  type ImportProgress,
  type ImportResult,
  type RowProblem,
} from './import';
import { importWords } from './import.words';

const TIME_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone;

function ProblemsTable({ problems }: { problems: RowProblem[] }) {
  const w = useWords(importWords);
  return (
    <Table<RowProblem>
      size="small"
      data-testid="import-problems"
      rowKey={(p) => `${p.row}:${p.column ?? ''}:${p.detail}`}
      dataSource={problems}
      pagination={problems.length > 10 ? { pageSize: 10, showSizeChanger: false } : false}
      columns={[
        { key: 'row', title: w.row, dataIndex: 'row', width: 72 },
        {
          key: 'column',
          title: w.column,
          width: 140,
          render: (_, p) => p.column ?? <Typography.Text type="secondary">{w.wholeRow}</Typography.Text>,
        },
        { key: 'detail', title: w.detail, dataIndex: 'detail' },
      ]}
    />
  );
}

/**
 * Items imported from a CSV or XLSX file into a case: the template to fill in, the file, a check that lists
 * every problem by row and column, and the import itself with its progress as the server streams it.
 */
export function ImportItemsDialog({ caseId, open, onClose }: { caseId: string; open: boolean; onClose: () => void }) {
  const w = useWords(importWords);
  const { lang } = useLang();
  const queryClient = useQueryClient();
  const [files, setFiles] = useState<UploadFile[]>([]);
  const [progress, setProgress] = useState<ImportProgress>();
  const file = files[0]?.originFileObj;

  const check = useMutation({
    mutationFn: (chosen: File) => sendImport(caseId, chosen, { dryRun: true, onProgress: setProgress }),
  });
  const run = useMutation({
    mutationFn: (chosen: File) => sendImport(caseId, chosen, { dryRun: false, onProgress: setProgress }),
    onSuccess: () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: ['items'] }),
        queryClient.invalidateQueries({ queryKey: ['cases', caseId] }),
      ]),
  });
  const running = check.isPending || run.isPending;
  const checked = check.data as CheckResult | undefined;
  const imported = run.data as ImportResult | undefined;
  const refusal = run.error ?? check.error;
  const problems = checked?.problems.length
    ? checked.problems
    : refusal instanceof ImportProblem
      ? refusal.problems
      : [];
  const ready = !!checked && checked.problems.length === 0 && checked.rows > 0 && !run.error;

  const start = () => {
    check.reset();
    run.reset();
    setProgress(undefined);
  };
  const close = () => {
    setFiles([]);
    start();
    onClose();
  };

  const percent = progress
    ? progress.phase === 'reading'
      ? 0
      : Math.floor((progress.done / Math.max(progress.total, 1)) * 100)
    : 0;

  return (
    <Modal
      open={open}
      title={w.title}
      width={760}
      onCancel={running ? undefined : close}
      closable={!running}
      keyboard={!running}
      maskClosable={false}
      destroyOnHidden
      footer={
        imported ? (
          <Button type="primary" onClick={close}>
            {w.done}
          </Button>
        ) : (
          <Space wrap>
            <Button onClick={close} disabled={running}>
              {w.cancel}
            </Button>
            <Button
              disabled={!file || running}
              loading={check.isPending}
              onClick={() => file && (start(), check.mutate(file))}
            >
              {w.check}
            </Button>
            <Button
              type="primary"
              disabled={!ready || running}
              loading={run.isPending}
              onClick={() => file && run.mutate(file)}
            >
              {ready ? w.importRows(checked.rows) : w.importAll}
            </Button>
          </Space>
        )
      }
    >
      <Flex vertical gap={16}>
        <section>
          <Typography.Title level={3} style={{ fontSize: 15, marginTop: 0 }}>
            {w.templateStep}
          </Typography.Title>
          <Typography.Paragraph type="secondary" style={{ marginBottom: 8 }}>
            {w.templateHint}
          </Typography.Paragraph>
          <Space wrap>
            <Button icon={<DownloadOutlined />} href={templatePath('xlsx', lang)} download>
              {w.templateXlsx}
            </Button>
            <Button icon={<DownloadOutlined />} href={templatePath('csv', lang)} download>
              {w.templateCsv}
            </Button>
          </Space>
        </section>
        <section>
          <Typography.Title level={3} style={{ fontSize: 15, marginTop: 0 }}>
            {w.fileStep}
          </Typography.Title>
          <Typography.Paragraph type="secondary" style={{ marginBottom: 8 }}>
            {w.fileHint}
            {lang === 'zh' ? '' : ' '}
            {w.timeZone(TIME_ZONE)}
          </Typography.Paragraph>
          <Upload
            accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            maxCount={1}
            fileList={files}
            disabled={running || !!imported}
            // Nothing is sent when the file is chosen: the check and the import send it.
            beforeUpload={() => false}
            onChange={({ fileList }) => {
              setFiles(fileList.slice(-1));
              start();
            }}
          >
            <Button icon={<UploadOutlined />}>{w.chooseFile}</Button>
          </Upload>
        </section>
        <section>
          <Typography.Title level={3} style={{ fontSize: 15, marginTop: 0 }}>
            {w.runStep}
          </Typography.Title>
          <Typography.Paragraph type="secondary" style={{ marginBottom: 8 }}>
            {w.runHint}
          </Typography.Paragraph>
          <Flex vertical gap={12}>
            {progress && (running || imported) && (
              <div role="status" data-testid="import-progress">
                <Typography.Text>
                  {w[`phase_${progress.phase}`]}
                  {progress.phase !== 'reading' && ` · ${w.progressCount(progress.done, progress.total)}`}
                </Typography.Text>
                <Progress
                  percent={percent}
                  status={imported ? 'success' : 'active'}
                  aria-label={w[`phase_${progress.phase}`]}
                />
              </div>
            )}
            {imported && (
              <Alert
                type="success"
                showIcon
                role="status"
                title={w.imported(imported.imported)}
                description={w.importedHint}
              />
            )}
            {checked && !running && !run.error && !imported && checked.problems.length === 0 && (
              <Alert
                type={checked.rows ? 'success' : 'warning'}
                showIcon
                role="status"
                title={checked.rows ? w.checked(checked.rows) : w.noRows}
              />
            )}
            {checked && checked.problems.length > 0 && (
              <Alert type="error" showIcon role="alert" title={w.problemsFound(checked.problems.length)} />
            )}
            {refusal && <ProblemAlert error={refusal} />}
            {problems.length > 0 && <ProblemsTable problems={problems} />}
          </Flex>
        </section>
      </Flex>
    </Modal>
  );
}
