import {
  ArrowLeftOutlined,
  AuditOutlined,
  FileExcelOutlined,
  FileZipOutlined,
  PlusOutlined,
  PrinterOutlined,
} from '@ant-design/icons';
import { Button, Descriptions, Flex, Skeleton, Space, Tag, Typography } from 'antd';
import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { ProblemAlert } from '../../components/ProblemAlert';
import { formatDate, formatTime } from '../../lib/format';
import { useLang, useWords } from '../../lib/i18n';
import { hasRole, useMe } from '../../lib/session';
import { PrintLabelsDialog, type LabelTarget } from '../labels';
import { RequestDialog } from '../requests';
import { useCase, useCaseItemPages } from './api';
import { CaseItemsTable } from './CaseItemsTable';
import { ImportItemsDialog } from './ImportItemsDialog';
import { importWords } from './import.words';
import { words } from './words';

/** A case: its particulars, its items (as many as it has), and what the caller may do with them. */
export default function CasePage() {
  const { id = '' } = useParams();
  const w = useWords(words);
  const wi = useWords(importWords);
  const { lang } = useLang();
  const { data: me } = useMe();
  const navigate = useNavigate();
  const found = useCase(id);
  // The same first page the table shows (one request, cached): the count in the particulars.
  const { total } = useCaseItemPages(id, 0, 0);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [printing, setPrinting] = useState<LabelTarget>();
  const [requesting, setRequesting] = useState(false);
  const [importing, setImporting] = useState(false);

  const back = (
    <Link to="/cases">
      <ArrowLeftOutlined /> {w.backToCases}
    </Link>
  );
  if (found.error) {
    return (
      <Flex vertical gap={16}>
        {back}
        <ProblemAlert error={found.error} />
      </Flex>
    );
  }
  if (!found.data) return <Skeleton active />;
  const theCase = found.data;
  // What the server allows: officers and clerks register in their own agency's open cases; they and the
  // warehouse print labels.
  const canRegister = hasRole(me, 'officer', 'clerk') && theCase.status === 'open' && me?.agencyId === theCase.agencyId;
  const canPrint = hasRole(me, 'officer', 'clerk', 'warehouse');
  // Requests are filed by the agency with legal custody of the items, which is the case's until transferred.
  const canRequest = hasRole(me, 'officer', 'clerk', 'approver');
  const registerPath = `/cases/${theCase.id}/register`;

  return (
    <Flex vertical gap={16}>
      {back}
      <Flex justify="space-between" align="start" wrap gap={8}>
        <div>
          <Typography.Title level={1} style={{ fontSize: 22, margin: 0 }}>
            {theCase.caseNumber}
          </Typography.Title>
          <Typography.Text style={{ fontSize: 16 }}>{theCase.title}</Typography.Text>
        </div>
        <Tag color={theCase.status === 'open' ? 'blue' : 'default'}>{w[`status_${theCase.status}`]}</Tag>
      </Flex>
      <Descriptions
        size="small"
        column={{ xs: 1, sm: 2, lg: 3 }}
        items={[
          { key: 'openedOn', label: w.openedOn, children: formatDate(theCase.openedOn, lang) },
          { key: 'createdAt', label: w.createdAt, children: formatTime(theCase.createdAt, lang) },
          { key: 'count', label: w.items, children: total === undefined ? '…' : w.itemsTotal(total) },
        ]}
      />
      <Flex justify="space-between" align="center" wrap gap={8}>
        <Typography.Title level={2} style={{ fontSize: 18, margin: 0 }}>
          {w.items}
        </Typography.Title>
        <Space wrap>
          {canRegister && (
            <Button
              type="primary"
              icon={<PlusOutlined />}
              href={registerPath}
              onClick={(event) => {
                event.preventDefault();
                navigate(registerPath);
              }}
            >
              {w.registerItems}
            </Button>
          )}
          {canRegister && (
            <Button icon={<FileExcelOutlined />} onClick={() => setImporting(true)}>
              {wi.action}
            </Button>
          )}
          {canRequest && (
            <Button icon={<AuditOutlined />} disabled={selected.size === 0} onClick={() => setRequesting(true)}>
              {w.requestSelected(selected.size)}
            </Button>
          )}
          {canPrint && (
            <>
              <Button
                icon={<PrinterOutlined />}
                disabled={selected.size === 0}
                onClick={() => setPrinting({ codes: [...selected] })}
              >
                {w.printSelected(selected.size)}
              </Button>
              <Button icon={<PrinterOutlined />} disabled={!total} onClick={() => setPrinting({ caseId: theCase.id })}>
                {w.printCase}
              </Button>
            </>
          )}
          {/* Everyone who reads the case: the server puts in the items the caller may see (a plain link: the
              session's cookie goes with it). */}
          <Button
            icon={<FileZipOutlined />}
            disabled={!total}
            href={`/api/v1/cases/${theCase.id}/dossier.zip?lang=${lang}`}
            download
          >
            {w.dossier}
          </Button>
        </Space>
      </Flex>
      <CaseItemsTable caseId={theCase.id} selected={selected} onSelect={setSelected} />
      <RequestDialog codes={[...selected]} open={requesting} onClose={() => setRequesting(false)} />
      {canRegister && <ImportItemsDialog caseId={theCase.id} open={importing} onClose={() => setImporting(false)} />}
      {printing && <PrintLabelsDialog open target={printing} onClose={() => setPrinting(undefined)} />}
    </Flex>
  );
}
