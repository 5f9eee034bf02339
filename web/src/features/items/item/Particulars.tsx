import { Card, Descriptions, Tag } from 'antd';
import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { formatDate, formatTime } from '../../../lib/format';
import { useLang, useWords } from '../../../lib/i18n';
import { common } from '../../../lib/words';
import { useCase, type Item } from './data';
import { words } from './words';

/** Marks the item's own data (what the officer typed), which stays as typed in either language. */
const Data = ({ children }: { children: ReactNode }) => <span data-item-data="">{children}</span>;

export function Particulars({ item }: { item: Item }) {
  const w = useWords(words);
  const c = useWords(common);
  const { lang } = useLang();
  const theCase = useCase(item.caseId);
  const or = (v: ReactNode) => (v === null || v === undefined || v === '' ? w.none : v);
  const amount = item.amount ? `${item.amount}${item.currency ? ` ${item.currency}` : ''}` : null;
  return (
    <Card title={<h2 style={{ fontSize: 16, margin: 0 }}>{w.particulars}</h2>}>
      <Descriptions
        size="small"
        column={{ xs: 1, sm: 1, md: 2 }}
        items={[
          { key: 'category', label: w.category, children: c[`category_${item.category}`] },
          { key: 'description', label: w.description, children: <Data>{item.description}</Data> },
          {
            key: 'quantity',
            label: w.quantity,
            children: (
              <>
                {item.quantity} <Data>{item.unit}</Data>
              </>
            ),
          },
          { key: 'weight', label: w.weight, children: or(item.weightGrams && w.grams(item.weightGrams)) },
          ...(amount ? [{ key: 'amount', label: w.amount, children: amount }] : []),
          { key: 'serial', label: w.serial, children: or(item.serialNumber) },
          { key: 'seal', label: w.seal, children: or(item.sealNumber) },
          { key: 'seizedFrom', label: w.seizedFrom, children: or(item.seizedFrom && <Data>{item.seizedFrom}</Data>) },
          { key: 'seizedAt', label: w.seizedAt, children: or(formatTime(item.seizedAt, lang)) },
          {
            key: 'seizedPlace',
            label: w.seizedPlace,
            children: or(item.seizedPlace && <Data>{item.seizedPlace}</Data>),
          },
          {
            key: 'case',
            label: w.case,
            children: (
              <Link to={`/cases/${item.caseId}`}>
                {item.caseNumber}
                {theCase.data && (
                  <>
                    {' '}
                    <Data>{theCase.data.title}</Data>
                  </>
                )}
              </Link>
            ),
          },
        ]}
      />
    </Card>
  );
}

export function CustodyFacts({ item }: { item: Item }) {
  const w = useWords(words);
  const c = useWords(common);
  const { lang } = useLang();
  const or = (v: ReactNode) => (v === null || v === undefined || v === '' ? w.none : v);
  return (
    <Card title={<h2 style={{ fontSize: 16, margin: 0 }}>{w.custody}</h2>}>
      <Descriptions
        size="small"
        column={{ xs: 1, sm: 1, md: 2 }}
        items={[
          {
            key: 'state',
            label: w.state,
            children: (
              <Tag color={item.state === 'disposed' ? 'default' : 'blue'} data-testid="item-state">
                {c[`state_${item.state}`]}
              </Tag>
            ),
          },
          { key: 'place', label: w.place, children: or(item.locationCode) },
          {
            key: 'holder',
            label: w.holder,
            children: or(item.holderName ? <Data>{item.holderName}</Data> : item.holderUsername),
          },
          { key: 'legalCustody', label: w.legalCustody, children: item.owningAgencyCode },
          {
            key: 'hold',
            label: w.hold,
            children: item.legalHold ? (
              <Tag color="red" data-testid="item-hold">
                {w.holdOn}
                <Data>{item.holdReason}</Data>
              </Tag>
            ) : (
              w.holdOff
            ),
          },
          { key: 'reviewDate', label: w.reviewDate, children: or(formatDate(item.reviewDate, lang)) },
          ...(item.loanDueAt ? [{ key: 'loanDue', label: w.loanDue, children: formatTime(item.loanDueAt, lang) }] : []),
        ]}
      />
    </Card>
  );
}
